// The hand-written baseline for policies/cscs/early_departure.pol: one thread, a minimal
// hand-rolled JSON reader (one pass over each flat object, as baseline_tariff.cpp reads), exact
// integer arithmetic (pence, days, months in 1/36,500ths: no floating point), and the output of
// `pol batch` byte for byte: outputs, violations with their rules, messages and sources, and for
// the input errors bench/gen_policy_records.py makes (a missing required input, an impossible
// date, a value of the wrong type, pension_age out of range) the same error lines. A record it was
// not written for (an unknown key, an escape in a string, more than two decimal places) stops it
// with status 3, so a difference cannot pass unseen.
//
//   baseline_early_departure POLICY IN.jsonl OUT.jsonl          end to end: read, compute, write
//   baseline_early_departure --evaluate IN.jsonl ROUNDS          evaluation only: records/s over
//                                                                the records read, errors left out
//
// POLICY is the path given to pol batch: errors name it, with the line and column of the input
// they concern, read from the file.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void unexpected(std::size_t line, const char* what)
{
   std::fprintf(stderr, "baseline_early_departure: line %zu: %s: the baseline was not written for this record\n", line, what);
   std::exit(3);
}

// --- dates, as days since 1970-01-01 (Howard Hinnant's civil calendar algorithms) ---

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d)
{
   y -= m <= 2;
   const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
   const unsigned yoe = static_cast<unsigned>(y - era * 400);
   const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
   const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
   return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
   std::int64_t y;
   unsigned m, d;
};

Civil civil_from_days(std::int64_t z)
{
   z += 719468;
   const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
   const unsigned doe = static_cast<unsigned>(z - era * 146097);
   const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
   const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
   const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
   const unsigned mp = (5 * doy + 2) / 153;
   const unsigned d = doy - (153 * mp + 2) / 5 + 1;
   const unsigned m = mp < 10 ? mp + 3 : mp - 9;
   return {y + (m <= 2), m, d};
}

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
unsigned days_in_month(std::int64_t y, unsigned m)
{
   static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
   return m == 2 && leap(y) ? 29 : days[m - 1];
}

// the date moved by whole months, the day kept or the month's last day
std::int64_t add_months(std::int64_t date, std::int64_t months)
{
   const Civil c = civil_from_days(date);
   const std::int64_t total = c.y * 12 + (c.m - 1) + months;
   const std::int64_t y = total >= 0 ? total / 12 : (total - 11) / 12;
   const unsigned m = static_cast<unsigned>(total - y * 12 + 1);
   const unsigned d = c.d < days_in_month(y, m) ? c.d : days_in_month(y, m);
   return days_from_civil(y, m, d);
}
std::int64_t add_years(std::int64_t date, std::int64_t years) { return add_months(date, 12 * years); }

// whole months from `from` to `to` (to >= from here)
std::int64_t months_between(std::int64_t from, std::int64_t to)
{
   if (to < from) return -months_between(to, from);
   const Civil a = civil_from_days(from), b = civil_from_days(to);
   std::int64_t n = (b.y - a.y) * 12 + (static_cast<std::int64_t>(b.m) - static_cast<std::int64_t>(a.m));
   while (n > 0 && add_months(from, n) > to) --n;
   return n;
}

// "YYYY-MM-DD", strictly
bool parse_date(std::string_view s, std::int64_t& out)
{
   if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
   for (const int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
      if (s[i] < '0' || s[i] > '9') return false;
   }
   const int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
   const unsigned m = static_cast<unsigned>((s[5] - '0') * 10 + (s[6] - '0')), d = static_cast<unsigned>((s[8] - '0') * 10 + (s[9] - '0'));
   if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return false;
   out = days_from_civil(y, m, d);
   return true;
}

void write_date(std::string& out, std::int64_t date)
{
   const Civil c = civil_from_days(date);
   char b[16];
   std::snprintf(b, sizeof b, "%04lld-%02u-%02u", static_cast<long long>(c.y), c.m, c.d);
   out += b;
}

const std::int64_t d_1953_12_06 = days_from_civil(1953, 12, 6), d_1954_10_06 = days_from_civil(1954, 10, 6), d_1960_04_06 = days_from_civil(1960, 4, 6),
                   d_1961_03_06 = days_from_civil(1961, 3, 6), d_1977_04_06 = days_from_civil(1977, 4, 6), d_1978_04_06 = days_from_civil(1978, 4, 6),
                   d_2019_03_06 = days_from_civil(2019, 3, 6), d_2044_05_06 = days_from_civil(2044, 5, 6);
const std::int64_t cap_from = days_from_civil(2020, 11, 4), cap_until = days_from_civil(2021, 2, 12), terms_from = days_from_civil(2010, 12, 22);

// State Pension age by date of birth, as the policy's state_pension_date
std::int64_t state_pension_date(std::int64_t born)
{
   if (born < d_1953_12_06) return add_years(born, 65);
   if (born < d_1954_10_06) return add_months(d_2019_03_06, 2 * months_between(d_1953_12_06, born));
   if (born < d_1960_04_06) return add_years(born, 66);
   if (born < d_1961_03_06) return add_months(add_years(born, 66), 1 + months_between(d_1960_04_06, born));
   if (born < d_1977_04_06) return add_years(born, 67);
   if (born < d_1978_04_06) return add_months(d_2044_05_06, 2 * months_between(d_1977_04_06, born));
   return add_years(born, 68);
}

// --- the record ---

enum Scheme { VE, VR, CR };
enum PensionScheme { classic, classic_plus, premium, nuvos, alpha, no_scheme };
enum Contract { permanent, fixed_term_expiry, fixed_term_early };
enum VrOffer { turned_down, refused, not_offered, no_offer };
const char* const scheme_names[] = {"VE", "VR", "CR"};

struct Employee {
   Scheme scheme = VE;
   std::int64_t service_years = 0, service_days = 0;
   std::int64_t annual_pay = 0;  // pence
   std::int64_t date_of_birth = 0, exit_date = 0;
   PensionScheme pension_scheme = no_scheme;
   std::int64_t pension_age = -1;  // -1: none
   Contract contract = permanent;
   std::string_view employer;  // trimmed
   VrOffer vr_offer = no_offer;
   std::int64_t offer_months = -1;  // hundredths; -1: none
   std::string_view offer_text;     // as written, for messages
   bool approval = false;
   std::int64_t other_exit_payments = 0;  // pence
};

// An input error, worded as pol words it.
struct Problem {
   const char* code = nullptr;
   std::string message, field;
   bool located = false;
   std::string_view location_of;  // the input whose declaration it points at
   bool at_requires = false;      // at its `requires` condition, else at its name
   std::string help;
};

// Where each input is declared in the policy file: the line, the column of its name and of its
// `requires` condition.
struct Declared {
   std::string name;
   unsigned line = 0, name_column = 0, requires_column = 0;
};
std::vector<Declared> declared;
std::string policy_path;

void read_declarations(const char* path)
{
   std::ifstream in(path);
   if (!in) {
      std::fprintf(stderr, "baseline_early_departure: cannot read the policy %s\n", path);
      std::exit(2);
   }
   unsigned number = 0;
   for (std::string line; std::getline(in, line);) {
      ++number;
      if (line.rfind("input ", 0) != 0) continue;
      Declared d;
      d.line = number;
      d.name_column = 7;
      d.name = line.substr(6, line.find(':') - 6);
      const auto r = line.find(" requires ");
      if (r != std::string::npos) d.requires_column = static_cast<unsigned>(r + std::strlen(" requires ") + 1);
      declared.push_back(d);
   }
}

// JSON text of a string (the messages hold no control characters)
void quoted(std::string& out, std::string_view s)
{
   out += '"';
   for (const char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
   }
   out += '"';
}

void write_problem(std::string& out, std::size_t line, const Problem& p)
{
   out += "{\"line\":";
   out += std::to_string(line);
   out += ",\"error\":{\"code\":\"";
   out += p.code;
   out += "\",\"message\":";
   quoted(out, p.message);
   out += ",\"field\":";
   quoted(out, p.field);
   if (p.located) {
      for (const auto& d : declared) {
         if (d.name != p.location_of) continue;
         out += ",\"location\":{\"file\":";
         quoted(out, policy_path);
         out += ",\"line\":" + std::to_string(d.line) + ",\"column\":" + std::to_string(p.at_requires ? d.requires_column : d.name_column) + "}";
      }
   }
   out += ",\"help\":";
   quoted(out, p.help);
   out += "}}\n";
}

// --- reading one flat JSON object ---

struct Value {
   enum Kind { string, number, boolean, null } kind;
   std::string_view text;  // a string's contents, a number's text
   bool flag = false;
};

// "12", "12.5", "31250.00": units of 10^-places, or false when it is not such a number
bool fixed_point(std::string_view t, int places, std::int64_t& out)
{
   std::size_t i = 0;
   std::int64_t v = 0;
   if (i == t.size()) return false;
   while (i < t.size() && t[i] >= '0' && t[i] <= '9') v = v * 10 + (t[i++] - '0');
   int scale = places;
   if (i < t.size() && t[i] == '.') {
      ++i;
      while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
         if (scale == 0) return false;
         v = v * 10 + (t[i++] - '0');
         --scale;
      }
   }
   if (i != t.size()) return false;
   while (scale-- > 0) v *= 10;
   out = v;
   return true;
}

bool json_number(std::string_view t)
{
   std::int64_t ignored;
   return !t.empty() && (fixed_point(t, 18, ignored) || (t[0] == '-' && fixed_point(t.substr(1), 18, ignored)));
}

// How pol shows a value given: a string quoted, a number (or a number written as text, for a
// number input) as it is.
std::string shown(const Value& v, bool number_input)
{
   if (v.kind == Value::string && !(number_input && json_number(v.text))) return "\"" + std::string(v.text) + "\"";
   if (v.kind == Value::boolean) return v.flag ? "true" : "false";
   if (v.kind == Value::null) return "null";
   return std::string(v.text);
}

Problem wrong(std::string_view name, const char* expected, const Value& v, bool number_input, const char* why = "")
{
   Problem p;
   p.code = "R0103";
   p.field = name;
   p.message = "input \"" + std::string(name) + "\" should be " + expected + ", but it is " + shown(v, number_input) + why;
   p.help = "correct the value in the input";
   return p;
}

Problem missing(std::string_view name, const char* expected)
{
   Problem p;
   p.code = "R0101";
   p.field = name;
   p.message = "input \"" + std::string(name) + "\" is missing: expected " + expected;
   p.located = true;
   p.location_of = name;
   p.help = "add \"" + std::string(name) + "\" to the input";
   return p;
}

const char* const money_expected = "money, e.g. 25000.00, \"25000.00\" or \"£25,000.00\"";
const char* const date_expected = "a date, \"YYYY-MM-DD\"";

// Reads one record; false with `problem` set for an input error.
bool parse(std::string_view line, std::size_t number, Employee& e, Problem& problem)
{
   e = Employee{};
   enum : unsigned { has_scheme = 1, has_years = 2, has_pay = 4, has_birth = 8, has_exit = 16 };
   unsigned seen = 0;
   const char* p = line.data();
   const char* const end = p + line.size();
   if (p == end || *p != '{') unexpected(number, "not a JSON object");
   ++p;
   bool ok = true;
   while (p < end && *p != '}') {
      if (*p == ',') ++p;
      if (*p != '"') unexpected(number, "a key is not a string");
      const char* k = ++p;
      while (p < end && *p != '"') ++p;
      const std::string_view key(k, static_cast<std::size_t>(p - k));
      p += 2;  // the quote and the colon
      Value v{Value::null, {}, false};
      if (*p == '"') {
         const char* s = ++p;
         while (p < end && *p != '"') {
            if (*p == '\\') unexpected(number, "an escape in a string");
            ++p;
         }
         v = {Value::string, std::string_view(s, static_cast<std::size_t>(p - s)), false};
         ++p;
      } else if (*p == 't' || *p == 'f') {
         v = {Value::boolean, {}, *p == 't'};
         p += *p == 't' ? 4 : 5;
      } else if (*p == 'n') {
         p += 4;
      } else {
         const char* s = p;
         while (p < end && *p != ',' && *p != '}') ++p;
         v = {Value::number, std::string_view(s, static_cast<std::size_t>(p - s)), false};
      }
      if (!ok) continue;  // the first error is the one reported
      const bool texty_number = v.kind == Value::number || v.kind == Value::string;
      // an int, money or decimal, from a number or its text
      const auto number_of = [&](int places, std::int64_t& out, const char* expected) {
         if (!texty_number || !fixed_point(v.text, places, out)) {
            std::int64_t ignored;
            const bool fraction = places == 0 && texty_number && fixed_point(v.text, 18, ignored);
            if (!fraction && texty_number && json_number(v.text)) unexpected(number, "a number the baseline does not read");
            problem = wrong(key, expected, v, true, fraction ? " (it has a fraction)" : "");
            ok = false;
         }
      };
      const auto date_of = [&](std::int64_t& out) {
         if (v.kind != Value::string || !parse_date(v.text, out)) {
            problem = wrong(key, date_expected, v, false, v.kind == Value::string && v.text.size() == 10 ? " (no such day)" : "");
            ok = false;
         }
      };
      if (key == "scheme") {
         seen |= has_scheme;
         if (v.text == "VE") e.scheme = VE;
         else if (v.text == "VR") e.scheme = VR;
         else if (v.text == "CR") e.scheme = CR;
         else unexpected(number, "a scheme the baseline does not read");
      } else if (key == "service_years") {
         seen |= has_years;
         number_of(0, e.service_years, "a whole number");
      } else if (key == "service_days") {
         number_of(0, e.service_days, "a whole number");
      } else if (key == "annual_pay") {
         seen |= has_pay;
         number_of(2, e.annual_pay, money_expected);
      } else if (key == "date_of_birth") {
         seen |= has_birth;
         date_of(e.date_of_birth);
      } else if (key == "exit_date") {
         seen |= has_exit;
         date_of(e.exit_date);
      } else if (key == "pension_scheme") {
         if (v.kind == Value::null) e.pension_scheme = no_scheme;
         else if (v.text == "alpha") e.pension_scheme = alpha;
         else if (v.text == "classic") e.pension_scheme = classic;
         else if (v.text == "classic_plus") e.pension_scheme = classic_plus;
         else if (v.text == "premium") e.pension_scheme = premium;
         else if (v.text == "nuvos") e.pension_scheme = nuvos;
         else unexpected(number, "a pension scheme the baseline does not read");
      } else if (key == "pension_age") {
         if (v.kind != Value::null) number_of(0, e.pension_age, "a whole number, or null");
      } else if (key == "contract") {
         if (v.text == "permanent") e.contract = permanent;
         else if (v.text == "fixed_term_expiry") e.contract = fixed_term_expiry;
         else if (v.text == "fixed_term_early") e.contract = fixed_term_early;
         else unexpected(number, "a contract the baseline does not read");
      } else if (key == "employer") {
         std::string_view t = v.text;
         while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
         while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
         e.employer = t;
      } else if (key == "vr_offer") {
         if (v.kind == Value::null) e.vr_offer = no_offer;
         else if (v.text == "turned_down") e.vr_offer = turned_down;
         else if (v.text == "refused") e.vr_offer = refused;
         else if (v.text == "not_offered") e.vr_offer = not_offered;
         else unexpected(number, "a VR offer the baseline does not read");
      } else if (key == "offer_months") {
         if (v.kind != Value::null) {
            number_of(2, e.offer_months, "a decimal number, e.g. 11.5, \"11.5\" or \"2.5%\", or null");
            e.offer_text = v.text;
         }
      } else if (key == "scheme_manager_approval") {
         if (v.kind != Value::boolean) {
            problem = wrong(key, "true or false", v, false);
            ok = false;
         }
         e.approval = v.flag;
      } else if (key == "other_exit_payments") {
         number_of(2, e.other_exit_payments, money_expected);
      } else {
         unexpected(number, "an input the baseline does not read");
      }
   }
   if (!ok) return false;
   // required inputs, in the order they are declared
   if (!(seen & has_scheme)) problem = missing("scheme", "one of VE, VR, CR");
   else if (!(seen & has_years)) problem = missing("service_years", "a whole number");
   else if (!(seen & has_pay)) problem = missing("annual_pay", money_expected);
   else if (!(seen & has_birth)) problem = missing("date_of_birth", date_expected);
   else if (!(seen & has_exit)) problem = missing("exit_date", date_expected);
   else if (e.pension_age != -1 && (e.pension_age < 55 || e.pension_age > 75)) {
      problem.code = "R0104";
      problem.field = "pension_age";
      problem.message = "input pension_age is " + std::to_string(e.pension_age) + ", but it must meet: pension_age == none or 55 <= (pension_age ?? 55) <= 75";
      problem.located = true;
      problem.location_of = "pension_age";
      problem.at_requires = true;
      problem.help = "correct the input";
   } else {
      // the other requires the generator never breaks: met, or the baseline is not for this record
      if (e.service_years < 0 || e.service_days < 0 || e.service_days > 365 || e.annual_pay < 0 || e.other_exit_payments < 0) unexpected(number, "an input outside its requires");
      if (e.pension_scheme == no_scheme && e.pension_age == -1) unexpected(number, "neither pension_scheme nor pension_age");
      if (e.contract != permanent && e.employer.empty()) unexpected(number, "no employer for a fixed-term contract");
      if (e.vr_offer == no_offer && e.scheme == CR && e.contract != fixed_term_expiry) unexpected(number, "no vr_offer for compulsory redundancy");
      if (e.exit_date < terms_from) unexpected(number, "an exit before the 2010 terms");
      return true;
   }
   return false;
}

// --- the policy ---

// Months are held in 1/36,500ths: service is years + days / 365, the taper days x 12 / 365, and
// offers are in hundredths.
constexpr std::int64_t unit = 36500;

struct Answer {
   Scheme terms;
   std::int64_t pension_date;
   bool over_age;
   std::int64_t cap;          // months
   std::int64_t standard;     // standard_months, in units
   std::int64_t months;       // months_payable, in units
   std::int64_t monthly_pay;  // pence
   std::int64_t lump_sum, uncapped;
   bool ve_offer, needs_vr_offer;
};

Answer compute(const Employee& e)
{
   Answer a;
   const std::int64_t pay = e.annual_pay < 2300000 ? 2300000 : e.annual_pay > 14982000 ? 14982000 : e.annual_pay;
   if (e.pension_age != -1) a.pension_date = add_years(e.date_of_birth, e.pension_age);
   else if (e.pension_scheme == alpha) {
      const std::int64_t spa = state_pension_date(e.date_of_birth), at65 = add_years(e.date_of_birth, 65);
      a.pension_date = spa > at65 ? spa : at65;
   } else a.pension_date = add_years(e.date_of_birth, e.pension_scheme == nuvos ? 65 : 60);
   a.over_age = e.exit_date >= a.pension_date;
   const std::int64_t service = (e.service_years * 365 + e.service_days) * 100;  // units
   a.needs_vr_offer = e.scheme == CR && e.contract != fixed_term_expiry;
   a.terms = e.contract == fixed_term_expiry ? CR : (a.needs_vr_offer && (e.vr_offer == turned_down || e.vr_offer == not_offered)) ? VR : e.scheme;
   a.ve_offer = a.terms == VE && e.offer_months != -1;
   a.cap = a.over_age ? 6 : a.terms == CR ? 12 : 21;
   const std::int64_t cap_units = a.cap * unit;
   if (e.contract == fixed_term_expiry && service < 2 * unit) a.standard = 0;
   else {
      a.standard = service < cap_units ? service : cap_units;
      if (!a.over_age) {
         const std::int64_t left = (a.pension_date - e.exit_date) * 1200;  // days x 12 / 365, in units
         if (left < a.standard) a.standard = left;
      }
   }
   a.months = a.standard;
   if (a.ve_offer) {
      const std::int64_t offer = e.offer_months * 365;
      a.months = offer < cap_units ? offer : cap_units;
   }
   // pay / 12 x months, rounded half up to the penny: all non-negative
   const std::int64_t den = 12 * unit;
   a.uncapped = (2 * pay * a.months + den) / (2 * den);
   a.monthly_pay = (2 * pay + 12) / 24;
   a.lump_sum = a.uncapped;
   if (e.exit_date >= cap_from && e.exit_date < cap_until) {
      std::int64_t limit = 9500000 - e.other_exit_payments;
      if (limit < 0) limit = 0;
      if (limit < a.lump_sum) a.lump_sum = limit;
   }
   return a;
}

// a decimal in minimal form: v / 10^places, trailing zeros dropped
void decimal(std::string& out, std::int64_t v, int places)
{
   if (v < 0) {
      out += '-';
      v = -v;
   }
   std::int64_t scale = 1;
   for (int i = 0; i < places; ++i) scale *= 10;
   out += std::to_string(v / scale);
   std::int64_t frac = v % scale;
   if (frac == 0) return;
   char b[24];
   std::snprintf(b, sizeof b, ".%0*lld", places, static_cast<long long>(frac));
   std::size_t n = std::strlen(b);
   while (b[n - 1] == '0') --n;
   out.append(b, n);
}

void money(std::string& out, std::int64_t pence)
{
   out += std::to_string(pence / 100);
   char b[8];
   std::snprintf(b, sizeof b, ".%02lld", static_cast<long long>(pence % 100));
   out += b;
}

// units rounded half up to four places, in ten-thousandths
std::int64_t four_places(std::int64_t units) { return (2 * units * 10000 + unit) / (2 * unit); }

void violation(std::string& out, bool& first, const char* rule, const std::string& message, const char* source)
{
   if (!first) out += ',';
   first = false;
   out += "{\"rule\":";
   quoted(out, rule);
   out += ",\"message\":";
   quoted(out, message);
   out += ",\"source\":";
   quoted(out, source);
   out += '}';
}

// an offer as pol writes a decimal: minimal form
std::string offer_text(const Employee& e)
{
   std::string s;
   decimal(s, e.offer_months, 2);
   return s;
}

void write(std::string& out, const Employee& e, const Answer& a)
{
   out += "{\"outputs\":{\"terms\":\"";
   out += scheme_names[a.terms];
   out += "\",\"pension_date\":\"";
   write_date(out, a.pension_date);
   out += "\",\"months\":\"";
   decimal(out, four_places(a.months), 4);
   out += "\",\"monthly_pay\":\"";
   money(out, a.monthly_pay);
   out += "\",\"lump_sum\":\"";
   money(out, a.lump_sum);
   out += "\",\"exit_payment_cap_applied\":";
   out += a.lump_sum < a.uncapped ? "true" : "false";
   out += ",\"scheme_reference\":";
   if (e.contract == fixed_term_expiry) {
      out += "\"CR ";
      out += e.employer;
      out += " FTAE\"";
   } else if (e.contract == fixed_term_early && a.terms != VE) {
      out += '"';
      out += scheme_names[a.terms];
      out += ' ';
      out += e.employer;
      out += " FTAM\"";
   } else {
      out += "null";
   }
   out += "},\"violations\":[";
   bool first = true;
   const std::int64_t offer = e.offer_months * 365;  // units
   if (a.ve_offer && offer > a.standard && !e.approval) {
      std::string m = "a Voluntary Exit offer of " + offer_text(e) + " months is above the standard tariff of ";
      decimal(m, four_places(a.standard), 4);
      m += " months and needs Scheme Manager approval";
      violation(out, first, "not (ve_offer and (offer_months ?? 0) > standard_months and not scheme_manager_approval)", m,
                "6.3.6 VE: To offer more than standard tariff, employers must have Scheme Manager approval");
   }
   if (a.ve_offer && e.offer_months > a.cap * 100) {
      const std::string cap = std::to_string(a.cap);
      violation(out, first, "not (ve_offer and (offer_months ?? 0) > cap)",
                "a Voluntary Exit offer of " + offer_text(e) + " months is above the maximum of " + cap + " months' pay " + (a.over_age ? "over" : "under") +
                   " scheme pension age; Scheme Manager approval does not lift it, and the lump sum pays " + cap + " months",
                "6.3.6 VE: Employers may offer more or less than the standard tariff subject to limits");
   }
   if (e.offer_months != -1 && a.terms != VE) {
      violation(out, first, "offer_months == none or applicable_terms == VE",
                std::string("offer_months applies to Voluntary Exit terms only: ") + scheme_names[a.terms] + " terms pay the standard tariff",
                "6.3.6 VR: Employers must offer the standard tariff");
   }
   if (a.needs_vr_offer && e.vr_offer == not_offered) {
      violation(out, first, "not (needs_vr_offer and vr_offer == not_offered)",
                "notice of Compulsory Redundancy was given without first offering Voluntary Redundancy: VR terms apply",
                "Table 1, Compulsory Redundancy 1: You cannot give notice of Compulsory Redundancy unless you have already offered the person Voluntary Redundancy");
   }
   if (e.vr_offer != no_offer && !a.needs_vr_offer) {
      violation(out, first, "vr_offer == none or needs_vr_offer", "vr_offer applies to Compulsory Redundancy only, and not when a fixed term ends on its expiry date",
                "6.3.14: the requirement to offer Voluntary Redundancy before making an employee compulsorily redundant does not apply where a fixed term "
                "appointment is terminated on its expiry date");
   }
   if (e.contract == fixed_term_early && e.scheme == VE) {
      violation(out, first, "not (contract == fixed_term_early and scheme == VE)",
                "a fixed-term contract ended early for redundancy is offered Voluntary Redundancy terms (VR FTAM) or, where the offer is not accepted, Compulsory "
                "Redundancy terms (CR FTAM), not Voluntary Exit",
                "6.3.16: you must first make an offer to that employee for a departure using Voluntary Redundancy terms");
   }
   out += "]}\n";
}

// Calls f(line, number) for each line of the file, read in large blocks.
template <class F>
void for_each_line(const char* path, F&& f)
{
   std::FILE* in = std::fopen(path, "rb");
   if (!in) {
      std::fprintf(stderr, "baseline_early_departure: cannot read %s\n", path);
      std::exit(2);
   }
   std::vector<char> buffer(1 << 20);
   std::size_t kept = 0, number = 0;
   for (;;) {
      const std::size_t got = std::fread(buffer.data() + kept, 1, buffer.size() - kept, in);
      const std::size_t size = kept + got;
      std::size_t start = 0;
      for (;;) {
         const void* nl = std::memchr(buffer.data() + start, '\n', size - start);
         if (!nl) break;
         const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - buffer.data());
         f(std::string_view(buffer.data() + start, at - start), ++number);
         start = at + 1;
      }
      kept = size - start;
      std::memmove(buffer.data(), buffer.data() + start, kept);
      if (got == 0) {
         if (kept > 0) f(std::string_view(buffer.data(), kept), ++number);
         break;
      }
      if (kept == buffer.size()) buffer.resize(buffer.size() * 2);
   }
   std::fclose(in);
}

}  // namespace

int main(int argc, char** argv)
{
   if (argc == 4 && std::string(argv[1]) == "--evaluate") {
      std::vector<Employee> all;
      std::vector<std::string> lines;  // the records' text, which the employees point into
      for_each_line(argv[2], [&](std::string_view line, std::size_t) { lines.emplace_back(line); });
      Problem problem;
      for (std::size_t i = 0; i < lines.size(); ++i) {
         Employee e;
         if (parse(lines[i], i + 1, e, problem)) all.push_back(e);
      }
      const int rounds = std::atoi(argv[3]);
      std::int64_t check = 0;
      const auto start = std::chrono::steady_clock::now();
      for (int r = 0; r < rounds; ++r) {
         for (const auto& e : all) {
            const Answer a = compute(e);
            check += a.lump_sum + a.months + a.pension_date + a.terms;
         }
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("%.0f\n", static_cast<double>(all.size()) * rounds / seconds);
      return check == 42 ? 1 : 0;  // keep the work
   }
   if (argc != 4) {
      std::fprintf(stderr, "usage: baseline_early_departure POLICY IN.jsonl OUT.jsonl | --evaluate IN.jsonl ROUNDS\n");
      return 2;
   }
   policy_path = argv[1];
   read_declarations(argv[1]);
   std::FILE* out = std::fopen(argv[3], "wb");
   if (!out) {
      std::fprintf(stderr, "baseline_early_departure: cannot write %s\n", argv[3]);
      return 2;
   }
   std::string text;
   Employee e;
   Problem problem;
   for_each_line(argv[2], [&](std::string_view line, std::size_t number) {
      if (parse(line, number, e, problem)) write(text, e, compute(e));
      else write_problem(text, number, problem);
      if (text.size() > (1 << 16)) {
         std::fwrite(text.data(), 1, text.size(), out);
         text.clear();
      }
   });
   std::fwrite(text.data(), 1, text.size(), out);
   return std::fclose(out) == 0 ? 0 : 1;
}
