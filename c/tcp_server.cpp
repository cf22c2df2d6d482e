// socklab: the seed's C++ TCP server, kept byte-for-byte in logic, calls and their order,
// including its bugs (no error checks, sin_zero left uninitialized, and `cout << buffer` reading
// past the end when exactly 1024 bytes arrive: read() fills all 1024 bytes, none of them NUL).
// Only change: optional argv[1] = port (default 8080), parsed with strtol (no extra syscalls).
#include <iostream>
#include <cstdlib>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
using namespace std;

int main(int argc, char *argv[]) {
    int port = argc > 1 ? (int)strtol(argv[1], nullptr, 10) : 8080;
    int server_fd = socket(AF_INET, SOCK_STREAM, 0);

    sockaddr_in address;
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = INADDR_ANY;
    address.sin_port = htons(port);

    bind(server_fd, (struct sockaddr*)&address, sizeof(address));
    listen(server_fd, 3);

    int client_fd = accept(server_fd, nullptr, nullptr);
    char buffer[1024] = {0};
    read(client_fd, buffer, 1024);
    cout << "받은 메시지: " << buffer << endl;

    close(client_fd);
    close(server_fd);
    return 0;
}
