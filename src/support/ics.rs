//! iCalendar (RFC 5545) for meeting invitations and calendar feeds: escaped text, lines
//! folded at 75 octets, CRLF line ends, times in UTC.

use chrono::{DateTime, Utc};

/// One event of a calendar.
pub struct Event<'a> {
    pub uid: &'a str,
    pub sequence: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    pub stamp: DateTime<Utc>,
    /// A cancelled event stays in feeds and cancellations, marked so calendars remove it.
    pub cancelled: bool,
}

/// Escapes text values (backslash, semicolon, comma, new lines).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so that no line exceeds 75 octets.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let size = c.len_utf8();
        if width + size > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += size;
    }
    out.push_str("\r\n");
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A calendar with `events`; `method` is `REQUEST` for an invitation or its update,
/// `CANCEL` for a cancellation, none for a feed.
pub fn calendar(name: &str, method: Option<&str>, events: &[Event]) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//FPS Interior//Radix//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    if let Some(method) = method {
        line(&mut out, &format!("METHOD:{method}"));
    }
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    for event in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escape(event.uid)));
        line(&mut out, &format!("SEQUENCE:{}", event.sequence));
        line(&mut out, &format!("DTSTAMP:{}", time(event.stamp)));
        line(&mut out, &format!("DTSTART:{}", time(event.starts_at)));
        line(&mut out, &format!("DTEND:{}", time(event.ends_at)));
        line(&mut out, &format!("SUMMARY:{}", escape(event.summary)));
        if !event.location.is_empty() {
            line(&mut out, &format!("LOCATION:{}", escape(event.location)));
        }
        if !event.description.is_empty() {
            line(
                &mut out,
                &format!("DESCRIPTION:{}", escape(event.description)),
            );
        }
        line(
            &mut out,
            if event.cancelled {
                "STATUS:CANCELLED"
            } else {
                "STATUS:CONFIRMED"
            },
        );
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_are_folded() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T09:30:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let description = "Wetgevend kader; samenstelling, informatie-uitwisseling\nen beroepsgeheim — één lange regel met accenten: Sint-Joost-ten-Node / Saint-Josse-ten-Noode";
        let text = calendar(
            "Radix",
            Some("REQUEST"),
            &[Event {
                uid: "meeting-1@radix",
                sequence: 0,
                starts_at: at,
                ends_at: at + chrono::Duration::hours(2),
                summary: "LIVC-R, Gent",
                location: "Stadhuis; Botermarkt 1",
                description,
                stamp: at,
                cancelled: false,
            }],
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.contains("SUMMARY:LIVC-R\\, Gent\r\n"));
        assert!(text.contains("LOCATION:Stadhuis\\; Botermarkt 1\r\n"));
        assert!(text.contains("DTSTART:20261201T093000Z\r\n"));
        assert!(text.contains("\\n"), "new lines escaped");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?}");
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("Saint-Josse-ten-Noode"));
        assert!(text.contains("STATUS:CONFIRMED\r\n"));
    }

    #[test]
    fn a_cancellation_keeps_the_uid_and_marks_the_event() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T09:30:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let text = calendar(
            "Radix",
            Some("CANCEL"),
            &[Event {
                uid: "meeting-1@radix",
                sequence: 2,
                starts_at: at,
                ends_at: at + chrono::Duration::hours(2),
                summary: "LIVC-R",
                location: "",
                description: "",
                stamp: at,
                cancelled: true,
            }],
        );
        assert!(text.contains("METHOD:CANCEL\r\n"));
        assert!(text.contains("UID:meeting-1@radix\r\n"));
        assert!(text.contains("SEQUENCE:2\r\n"));
        assert!(text.contains("STATUS:CANCELLED\r\n"));
        assert!(!text.contains("STATUS:CONFIRMED"));
    }
}
