//! The call log switched off around the measured loops, and back on after them.

/// Switches socklab's call log off while alive (the measured loops) and back on when dropped:
/// a traced loop formats and writes a line per `sys` call (ratios of 1.4-1.8 instead of ~1).
/// The count child (which inherits `SOCKLAB_TRACE`) switches it off itself.
pub(crate) struct TraceOff {
    #[cfg_attr(not(feature = "trace"), allow(dead_code))]
    was_on: bool,
}

impl TraceOff {
    /// Whether the log is printing.
    pub(crate) fn tracing() -> bool {
        #[cfg(feature = "trace")]
        return crate::trace::enabled();
        #[cfg(not(feature = "trace"))]
        return false;
    }

    pub(crate) fn new() -> TraceOff {
        let was_on = TraceOff::tracing();
        #[cfg(feature = "trace")]
        if was_on {
            crate::trace::disable();
        }
        TraceOff { was_on }
    }
}

impl Drop for TraceOff {
    fn drop(&mut self) {
        #[cfg(feature = "trace")]
        if self.was_on {
            crate::trace::enable();
        }
    }
}
