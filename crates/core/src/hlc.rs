//! A hybrid logical clock: wall-clock milliseconds plus a counter, never going backwards.
//!
//! It orders a device's own writes and is shown to people; it never decides which edit wins.

/// Remote clocks further ahead than this are not followed (a laptop a year off must not drag
/// everyone's clock along).
const MAX_FORWARD_MS: i64 = 24 * 3600 * 1000;

/// The clock state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hlc {
    pub ms: i64,
    pub counter: u32,
}

impl Hlc {
    /// Parses the text form `000001780000000000:00000`.
    pub fn parse(s: &str) -> Option<Hlc> {
        let (ms, c) = s.split_once(':')?;
        Some(Hlc {
            ms: ms.parse().ok()?,
            counter: c.parse().ok()?,
        })
    }

    /// Advances for a local event at wall-clock `now_ms` and returns the new reading.
    pub fn tick(&mut self, now_ms: i64) -> Hlc {
        if now_ms > self.ms {
            self.ms = now_ms;
            self.counter = 0;
        } else {
            self.counter += 1;
        }
        *self
    }

    /// Takes a remote reading into account.
    pub fn observe(&mut self, remote: Hlc, now_ms: i64) {
        if remote.ms <= now_ms + MAX_FORWARD_MS && remote > *self {
            *self = remote;
        }
    }
}

impl std::fmt::Display for Hlc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:015}:{:05}", self.ms, self.counter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_never_goes_backwards_and_sorts_as_text() {
        let mut c = Hlc::default();
        let a = c.tick(1000);
        let b = c.tick(900);
        assert!(b > a);
        assert!(b.to_string() > a.to_string());
        assert_eq!(Hlc::parse(&b.to_string()), Some(b));
    }

    #[test]
    fn far_future_remote_clock_is_not_followed() {
        let mut c = Hlc::default();
        c.tick(1000);
        c.observe(
            Hlc {
                ms: 1000 + 365 * 24 * 3600 * 1000,
                counter: 0,
            },
            1000,
        );
        assert_eq!(c.ms, 1000);
        c.observe(
            Hlc {
                ms: 5000,
                counter: 3,
            },
            1000,
        );
        assert_eq!(
            c,
            Hlc {
                ms: 5000,
                counter: 3
            }
        );
    }
}
