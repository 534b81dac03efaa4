#include <catch2/catch.hpp>

#include "config/calendar.hpp"
#include "config/units.hpp"

using namespace gh;
using namespace std::chrono_literals;

TEST_CASE("durations: ms, s, m, h, d", "[config][units]") {
  std::chrono::milliseconds d{};
  CHECK((parse_duration("500ms", d) && d == 500ms));
  CHECK((parse_duration("10s", d) && d == 10s));
  CHECK((parse_duration("5m", d) && d == 5min));
  CHECK((parse_duration("1h", d) && d == 1h));
  CHECK((parse_duration("2d", d) && d == 48h));
  CHECK((parse_duration("0s", d) && d == 0ms));
  for (const char* bad :
       {"", "10", "5 s", "-1s", "1.5s", "s", "10S", "1w", "10sec", "99999999999999999999s"})
    CHECK_FALSE(parse_duration(bad, d));
}

TEST_CASE("sizes: bytes and IEC units", "[config][units]") {
  std::uint64_t n = 0;
  CHECK((parse_size("4096", n) && n == 4096));
  CHECK((parse_size("64KiB", n) && n == 65536));
  CHECK((parse_size("1MiB", n) && n == 1048576));
  CHECK((parse_size("1GiB", n) && n == 1073741824ull));
  CHECK((parse_size("2TiB", n) && n == 2ull << 40));
  for (const char* bad : {"", "1KB", "1 KiB", "KiB", "-1", "1.5MiB", "1kib", "99999999999TiB"})
    CHECK_FALSE(parse_size(bad, n));
}

TEST_CASE("dates are strict YYYY-MM-DD with a real day", "[config][calendar]") {
  CHECK(parse_date("2027-03-31") == CalendarDate{2027, 3, 31});
  CHECK(parse_date("2028-02-29").has_value());
  CHECK_FALSE(parse_date("2027-02-29"));
  CHECK_FALSE(parse_date("2027-04-31"));
  CHECK_FALSE(parse_date("2027-3-31"));
  CHECK_FALSE(parse_date("2027/03/31"));
  CHECK_FALSE(parse_date("2027-13-01"));
  CHECK_FALSE(parse_date("31-03-2027"));
}

TEST_CASE("RFC 3339 instants", "[config][calendar]") {
  auto utc = parse_rfc3339("2027-03-31T16:30:00Z");
  REQUIRE(utc);
  CHECK(format_utc(*utc) == "2027-03-31T16:30:00Z");
  auto hk = parse_rfc3339("2027-04-01T00:30:00+08:00");
  REQUIRE(hk);
  CHECK(*hk == *utc);
  auto frac = parse_rfc3339("2027-03-31T16:30:00.250Z");
  REQUIRE(frac);
  CHECK(*frac - *utc == 250ms);
  CHECK(parse_rfc3339("2027-03-31t16:30:00z") == utc);
  for (const char* bad :
       {"2027-03-31", "2027-03-31T16:30Z", "2027-03-31T16:30:00", "2027-03-31T25:00:00Z",
        "2027-03-31T16:30:00+8:00", "yesterday", "2027-03-31T16:30:00Zjunk"})
    CHECK_FALSE(parse_rfc3339(bad));
}

TEST_CASE("local midnight in a time zone", "[config][calendar]") {
  REQUIRE(zone_exists("UTC"));
  REQUIRE(zone_exists("Asia/Hong_Kong"));
  CHECK_FALSE(zone_exists("Mars/Olympus_Mons"));
  CHECK_FALSE(zone_exists("../../etc/passwd"));
  CHECK_FALSE(zone_exists("/etc/passwd"));
  CHECK_FALSE(zone_exists(""));

  auto utc = local_midnight("UTC", {2027, 3, 31});
  REQUIRE(utc);
  CHECK(format_utc(*utc) == "2027-03-31T00:00:00Z");
  auto hk = local_midnight("Asia/Hong_Kong", {2027, 4, 1});
  REQUIRE(hk);
  CHECK(format_utc(*hk) == "2027-03-31T16:00:00Z");
  // Day 32 rolls over into the next month: the end of an inclusive 31st.
  auto rolled = local_midnight("Asia/Hong_Kong", {2027, 3, 32});
  REQUIRE(rolled);
  CHECK(*rolled == *hk);
  // UTC is computed without touching TZ; the roll-over works there too.
  CHECK(format_utc(*local_midnight("UTC", {2026, 12, 32})) == "2027-01-01T00:00:00Z");
  CHECK(format_utc(*local_midnight("Etc/UTC", {2028, 2, 30})) == "2028-03-01T00:00:00Z");
  CHECK(format_utc(*local_midnight("Europe/London", {2026, 12, 32})) == "2027-01-01T00:00:00Z");
  auto ny_winter = local_midnight("America/New_York", {2027, 1, 15});
  REQUIRE(ny_winter);
  CHECK(format_utc(*ny_winter) == "2027-01-15T05:00:00Z");
  auto ny_summer = local_midnight("America/New_York", {2027, 7, 15});
  REQUIRE(ny_summer);
  CHECK(format_utc(*ny_summer) == "2027-07-15T04:00:00Z");
}

TEST_CASE("dates past the clock's range clamp (midnight) or fail (RFC 3339), never overflow",
          "[config][calendar]") {
  // Nanosecond ticks in 64 bits end in 2262; the rule_file fuzzer found an
  // approval expiring in the 45th century overflowing the conversion.
  auto far = local_midnight("UTC", CalendarDate{4422, 1, 1});
  REQUIRE(far);
  CHECK(*far == TimePoint::max());
  auto forever = local_midnight("UTC", CalendarDate{9999, 12, 31});
  REQUIRE(forever);
  CHECK(*forever == TimePoint::max());
  auto zoned = local_midnight("Europe/London", CalendarDate{9999, 12, 31});
  if (zoned) CHECK(*zoned == TimePoint::max());  // mktime may refuse it instead
  auto near = local_midnight("UTC", CalendarDate{2200, 1, 1});
  REQUIRE(near);
  CHECK(*near < TimePoint::max());
  CHECK_FALSE(parse_rfc3339("4422-01-01T00:00:00Z"));
  CHECK(parse_rfc3339("2200-01-01T00:00:00Z"));
}
