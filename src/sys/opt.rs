//! Socket options: the generic setsockopt(2)/getsockopt(2) and typed options on top.
//! (Being written: see the opt work item.)
