// The hand-written baseline for the tariff workload: one thread, a minimal hand-rolled JSON
// reader, exact integer arithmetic in hundredths. It prints what the oracle prints.
//
//   baseline_tariff IN.jsonl OUT.jsonl          end to end: read, compute, write
//   baseline_tariff --evaluate IN.jsonl ROUNDS   evaluation only: records/s over parsed records
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

struct Employee {
   std::int64_t id = 0;
   int scheme = 0;  // 0 VE, 1 VR, 2 CR
   std::int64_t service = 0, pay = 0, age = 0;  // hundredths
   std::int64_t pension_age = 0;
};

// "12.37" or "12" as hundredths
std::int64_t hundredths(const char*& p)
{
   std::int64_t v = 0;
   while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
   v *= 100;
   if (*p == '.') {
      ++p;
      int scale = 10;
      while (*p >= '0' && *p <= '9') {
         v += (*p++ - '0') * scale;
         scale /= 10;
      }
   }
   return v;
}

const char* after(const char* p, const char* key) { return std::strstr(p, key) + std::strlen(key); }

Employee parse(const char* line)
{
   Employee e;
   const char* p = after(line, "\"id\":");
   e.id = std::strtoll(p, nullptr, 10);
   p = after(p, "\"scheme\":\"");
   e.scheme = p[1] == 'E' ? 0 : (p[1] == 'R' && p[0] == 'V') ? 1 : 2;
   p = after(p, "\"service_years\":");
   e.service = hundredths(p);
   p = after(p, "\"annual_pay\":");
   e.pay = hundredths(p);
   p = after(p, "\"age_years\":");
   e.age = hundredths(p);
   p = after(p, "\"pension_age\":");
   e.pension_age = std::strtoll(p, nullptr, 10);
   return e;
}

struct Answer {
   std::int64_t months;  // hundredths of a month
   std::int64_t pence;
};

Answer compute(const Employee& e)
{
   const std::int64_t pa = e.pension_age * 100;
   std::int64_t cap = (e.scheme == 2 ? 12 : 21) * 100;
   if (e.age >= pa) cap = 600;
   std::int64_t months = e.service < cap ? e.service : cap;
   if (e.age < pa) {
      const std::int64_t left = (pa - e.age) * 12;
      if (left < months) months = left;
   }
   // pence = months/100 * pay/100 / 12 * 100, rounded half up
   const std::int64_t num = months * e.pay, den = 1200;
   return {months, (2 * num + den) / (2 * den)};
}

void decimal(std::string& out, std::int64_t v, int places)
{
   std::int64_t scale = places == 2 ? 100 : 1;
   out += std::to_string(v / scale);
   std::int64_t frac = v % scale;
   if (frac) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, ".%02lld", static_cast<long long>(frac));
      std::string f(buffer);
      while (f.back() == '0') f.pop_back();
      out += f;
   }
}

}  // namespace

int main(int argc, char** argv)
{
   if (argc == 4 && std::string(argv[1]) == "--evaluate") {
      std::ifstream in(argv[2]);
      std::vector<Employee> all;
      for (std::string line; std::getline(in, line);) all.push_back(parse(line.c_str()));
      const int rounds = std::atoi(argv[3]);
      std::int64_t check = 0;
      const auto start = std::chrono::steady_clock::now();
      for (int r = 0; r < rounds; ++r) {
         for (const auto& e : all) check += compute(e).pence;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("%.0f\n", static_cast<double>(all.size()) * rounds / seconds);
      return check == 42 ? 1 : 0;  // keep the work
   }
   if (argc != 3) {
      std::fprintf(stderr, "usage: baseline_tariff IN.jsonl OUT.jsonl | --evaluate IN.jsonl ROUNDS\n");
      return 2;
   }
   std::ifstream in(argv[1]);
   std::ofstream out(argv[2]);
   std::string line, text;
   while (std::getline(in, line)) {
      const Employee e = parse(line.c_str());
      const Answer a = compute(e);
      text.clear();
      text += "{\"id\":" + std::to_string(e.id) + ",\"months\":";
      decimal(text, a.months, 2);
      text += ",\"compensation\":";
      decimal(text, a.pence, 2);
      text += "}\n";
      out << text;
   }
   return 0;
}
