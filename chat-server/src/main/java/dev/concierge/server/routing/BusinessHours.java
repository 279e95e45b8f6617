package dev.concierge.server.routing;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.format.TextStyle;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When people answer: days of the week and a daily time window in a time zone, written as
 * {@code "mon-fri 09:00-17:30 Europe/London"} (days: a range {@code mon-fri}, a list
 * {@code mon,wed,fri} or {@code daily}). Outside these hours visitors are told so and offered
 * to leave a message. Immutable.
 *
 * @param days the days the window applies to
 * @param open the first minute of the window (inclusive)
 * @param close the end of the window (exclusive); before {@code open} means it ends the next day
 * @param zone the time zone of the window
 */
public record BusinessHours(Set<DayOfWeek> days, LocalTime open, LocalTime close, ZoneId zone) {
    private static final Pattern SPEC =
            Pattern.compile("\\s*([a-z,-]+)\\s+(\\d{1,2}:\\d{2})\\s*-\\s*(\\d{1,2}:\\d{2})\\s+(\\S+)\\s*");

    public BusinessHours {
        days = Set.copyOf(Objects.requireNonNull(days, "days"));
        Objects.requireNonNull(open, "open");
        Objects.requireNonNull(close, "close");
        Objects.requireNonNull(zone, "zone");
        if (days.isEmpty()) {
            throw new IllegalArgumentException("business hours need at least one day");
        }
        if (open.equals(close)) {
            throw new IllegalArgumentException("business hours open and close at the same time");
        }
    }

    /** Parses {@code "mon-fri 09:00-17:30 Europe/London"}; errors say what is wrong. */
    public static BusinessHours parse(String spec) {
        Matcher m = SPEC.matcher(spec.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "business hours must look like \"mon-fri 09:00-17:30 Europe/London\", was \"" + spec + "\"");
        }
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        String dayPart = m.group(1);
        if (dayPart.equals("daily")) {
            days.addAll(EnumSet.allOf(DayOfWeek.class));
        } else {
            for (String item : dayPart.split(",")) {
                String[] range = item.split("-");
                if (range.length == 1) {
                    days.add(day(range[0]));
                } else if (range.length == 2) {
                    DayOfWeek d = day(range[0]);
                    DayOfWeek end = day(range[1]);
                    days.add(d);
                    while (d != end) {
                        d = d.plus(1);
                        days.add(d);
                    }
                } else {
                    throw new IllegalArgumentException("bad day range \"" + item + "\"");
                }
            }
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(spec.trim().substring(spec.trim().lastIndexOf(' ') + 1));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unknown time zone in business hours: " + m.group(4));
        }
        try {
            return new BusinessHours(days, LocalTime.parse(pad(m.group(2))), LocalTime.parse(pad(m.group(3))), zone);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("bad time in business hours: " + e.getParsedString());
        }
    }

    private static String pad(String hhmm) {
        return hhmm.length() == 4 ? "0" + hhmm : hhmm;
    }

    private static DayOfWeek day(String s) {
        for (DayOfWeek d : DayOfWeek.values()) {
            if (d.getDisplayName(TextStyle.SHORT, Locale.ENGLISH)
                    .toLowerCase(Locale.ROOT)
                    .equals(s)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown day \"" + s + "\" (use mon, tue, wed, thu, fri, sat, sun)");
    }

    /** Whether people answer at {@code instant}. */
    boolean isOpen(Instant instant) {
        ZonedDateTime t = instant.atZone(zone);
        LocalTime time = t.toLocalTime();
        if (open.isBefore(close)) {
            return days.contains(t.getDayOfWeek()) && !time.isBefore(open) && time.isBefore(close);
        }
        // Overnight window: from open on a listed day until close the next morning.
        return (days.contains(t.getDayOfWeek()) && !time.isBefore(open))
                || (days.contains(t.getDayOfWeek().minus(1)) && time.isBefore(close));
    }
}
