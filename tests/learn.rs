//! The learning tools: `socklab::inspect`'s offsets and sizes against a C program's
//! `offsetof`/`sizeof` compiled here, `Errno::explain` covering every errno the sys tests assert,
//! and the `explain`/`inspect` subcommands' output and exit codes.

use std::collections::BTreeMap;
use std::process::Command;

use socklab::inspect::{inspect, Kind};
use socklab::Errno;

/// A C program printing `type|field|offset|size` for every field `inspect` shows, and
/// `type|sizeof|size` for each type. Labels match `Layout::c_type` and `Field::name`.
const OFFSETS_C: &str = r#"
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <sys/uio.h>
#define F(T, L, f) printf("%s|%s|%zu|%zu\n", T, L, offsetof(TYPE, f), sizeof(((TYPE *)0)->f))
#define S(T) printf("%s|sizeof|%zu\n", T, sizeof(TYPE))
int main(void) {
#define TYPE struct sockaddr_in
    S("struct sockaddr_in");
    F("struct sockaddr_in", "sin_family", sin_family);
    F("struct sockaddr_in", "sin_port", sin_port);
    F("struct sockaddr_in", "sin_addr.s_addr", sin_addr.s_addr);
    F("struct sockaddr_in", "sin_zero", sin_zero);
#undef TYPE
#define TYPE struct sockaddr_in6
    S("struct sockaddr_in6");
    F("struct sockaddr_in6", "sin6_family", sin6_family);
    F("struct sockaddr_in6", "sin6_port", sin6_port);
    F("struct sockaddr_in6", "sin6_flowinfo", sin6_flowinfo);
    F("struct sockaddr_in6", "sin6_addr", sin6_addr);
    F("struct sockaddr_in6", "sin6_scope_id", sin6_scope_id);
#undef TYPE
#define TYPE struct sockaddr_un
    S("struct sockaddr_un");
    F("struct sockaddr_un", "sun_family", sun_family);
    F("struct sockaddr_un", "sun_path", sun_path);
#undef TYPE
#define TYPE struct msghdr
    S("struct msghdr");
    F("struct msghdr", "msg_name", msg_name);
    F("struct msghdr", "msg_namelen", msg_namelen);
    F("struct msghdr", "msg_iov", msg_iov);
    F("struct msghdr", "msg_iovlen", msg_iovlen);
    F("struct msghdr", "msg_control", msg_control);
    F("struct msghdr", "msg_controllen", msg_controllen);
    F("struct msghdr", "msg_flags", msg_flags);
#undef TYPE
#define TYPE struct mmsghdr
    S("struct mmsghdr");
    F("struct mmsghdr", "msg_hdr.msg_name", msg_hdr.msg_name);
    F("struct mmsghdr", "msg_hdr.msg_namelen", msg_hdr.msg_namelen);
    F("struct mmsghdr", "msg_hdr.msg_iov", msg_hdr.msg_iov);
    F("struct mmsghdr", "msg_hdr.msg_iovlen", msg_hdr.msg_iovlen);
    F("struct mmsghdr", "msg_hdr.msg_control", msg_hdr.msg_control);
    F("struct mmsghdr", "msg_hdr.msg_controllen", msg_hdr.msg_controllen);
    F("struct mmsghdr", "msg_hdr.msg_flags", msg_hdr.msg_flags);
    F("struct mmsghdr", "msg_len", msg_len);
#undef TYPE
#define TYPE struct iovec
    printf("struct iovec[2]|sizeof|%zu\n", 2 * sizeof(struct iovec));
    for (int i = 0; i < 2; i++) {
        char l[32];
        snprintf(l, sizeof l, "[%d].iov_base", i);
        printf("struct iovec[2]|%s|%zu|%zu\n", l, i * sizeof(TYPE) + offsetof(TYPE, iov_base), sizeof(void *));
        snprintf(l, sizeof l, "[%d].iov_len", i);
        printf("struct iovec[2]|%s|%zu|%zu\n", l, i * sizeof(TYPE) + offsetof(TYPE, iov_len), sizeof(size_t));
    }
#undef TYPE
#define TYPE struct cmsghdr
    printf("struct cmsghdr + data|sizeof|%zu\n", (size_t)CMSG_SPACE(sizeof(int)));
    F("struct cmsghdr + data", "cmsg_len", cmsg_len);
    F("struct cmsghdr + data", "cmsg_level", cmsg_level);
    F("struct cmsghdr + data", "cmsg_type", cmsg_type);
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    printf("struct cmsghdr + data|CMSG_DATA[0]|%zu|%zu\n",
           (size_t)((unsigned char *)CMSG_DATA(&u.h) - (unsigned char *)&u.h), sizeof(int));
    return 0;
}
"#;

/// Compiles and runs [`OFFSETS_C`]; returns `type|field` → `(offset, size)` and `type` → size.
fn c_layouts() -> (BTreeMap<String, (usize, usize)>, BTreeMap<String, usize>) {
    let dir = std::env::temp_dir().join(format!("socklab-offsets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("offsets.c");
    let exe = dir.join("offsets");
    std::fs::write(&src, OFFSETS_C).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args(["-std=gnu11", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap_or_else(|e| panic!("running the C compiler `{cc}` (install gcc): {e}"));
    assert!(status.success(), "compiling {}", src.display());
    let out = Command::new(&exe).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success());
    let (mut fields, mut sizes) = (BTreeMap::new(), BTreeMap::new());
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let parts: Vec<&str> = line.split('|').collect();
        match parts[..] {
            [ty, "sizeof", n] => {
                sizes.insert(ty.to_owned(), n.parse().unwrap());
            }
            [ty, field, off, size] => {
                let v = (off.parse().unwrap(), size.parse().unwrap());
                fields.insert(format!("{ty}|{field}"), v);
            }
            _ => panic!("unexpected line {line:?}"),
        }
    }
    (fields, sizes)
}

#[test]
fn offsets_and_sizes_match_c() {
    let (c_fields, c_sizes) = c_layouts();
    let layouts = [
        (Kind::SockaddrIn, Some("127.0.0.1:80")),
        (Kind::SockaddrIn6, Some("[::1]:9090")),
        (Kind::SockaddrUn, Some("/tmp/x.sock")),
        (Kind::Msghdr, None),
        (Kind::Mmsghdr, None),
    ]
    .into_iter()
    .flat_map(|(k, a)| inspect(k, a).unwrap());
    let mut seen = Vec::new();
    for l in layouts {
        assert_eq!(Some(&l.size), c_sizes.get(l.c_type), "sizeof {}", l.c_type);
        for f in l.fields.iter().filter(|f| f.name != "(padding)") {
            let key = format!("{}|{}", l.c_type, f.name);
            assert_eq!(
                c_fields.get(&key),
                Some(&(f.offset, f.size)),
                "{key}: socklab says offset {} size {}",
                f.offset,
                f.size
            );
            seen.push(key);
        }
    }
    // …and every field the C program knows is shown.
    for key in c_fields.keys() {
        assert!(seen.contains(key), "inspect does not show {key}");
    }
}

#[test]
fn every_errno_the_sys_tests_assert_is_explained() {
    let text = include_str!("sys/errors.rs");
    let mut names: Vec<&str> = text
        .split("Errno::")
        .skip(1)
        .map(|rest| {
            let end = rest
                .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|n| n.starts_with('E') && n.len() > 1)
        .collect();
    names.sort_unstable();
    names.dedup();
    assert!(names.len() >= 10, "found only {names:?}");
    for name in names {
        let errno = Errno::parse(name).unwrap_or_else(|| panic!("{name} does not parse"));
        let e = errno.explain().unwrap_or_else(|| {
            panic!("no explanation for {name}, asserted in tests/sys/errors.rs")
        });
        assert_eq!(e.code, socklab::explain::Code::Errno(errno));
    }
}

#[cfg(feature = "cli")]
fn socklab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_socklab"))
        .env_remove("SOCKLAB_TRACE")
        .args(args)
        .output()
        .unwrap()
}

#[test]
#[cfg(feature = "cli")]
fn explain_prints_each_errno_and_refuses_unknown_ones() {
    let out = socklab(&["explain", "EADDRINUSE", "111", "ENOTCONN", "EAI_NONAME"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for head in [
        "EADDRINUSE (98): Address already in use",
        "ECONNREFUSED (111): Connection refused",
        "ENOTCONN (107): Transport endpoint is not connected",
        "EAI_NONAME (-2): Name or service not known",
    ] {
        assert!(text.contains(head), "{head} missing from:\n{text}");
    }
    assert!(text.contains("    bind "), "{text}");
    for bad in [
        &["explain", "EFOO"][..],
        &["explain", "99999"],
        &["explain"],
    ] {
        let out = socklab(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{bad:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
#[cfg(feature = "cli")]
fn inspect_prints_fields_and_bytes() {
    // No socket is made: 80 is only bytes here (the doctest of `inspect` shows the 8080
    // example, `1f 90`).
    let out = socklab(&["inspect", "sockaddr_in", "127.0.0.1:80"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("02 00 00 50 7f 00 00 01 00 00 00 00 00 00 00 00"),
        "{text}"
    );
    assert!(text.contains("NETWORK byte order"), "{text}");
    let out = socklab(&["inspect", "sockaddr_un", "@abstract"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("01 00 00 61 62 73 74 72 61 63 74"), "{text}");
    let out = socklab(&["inspect", "msghdr"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "struct msghdr",
        "struct iovec[2]",
        "struct cmsghdr + data",
        "SCM_RIGHTS",
    ] {
        assert!(text.contains(part), "{part} missing:\n{text}");
    }
    for bad in [
        &["inspect", "sockaddr_in", "1.2.3:80"][..],
        &["inspect", "sockaddr_in6", "[::1"],
        &["inspect", "nosuch"],
        &["inspect", "sockaddr_in"],
        &["inspect", "msghdr", "extra"],
    ] {
        let out = socklab(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{bad:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
