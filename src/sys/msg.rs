//! sendmsg(2)/recvmsg(2)/sendmmsg(2)/recvmmsg(2): scatter-gather and batched messages.
//! (Being written: see the msg work item.)
