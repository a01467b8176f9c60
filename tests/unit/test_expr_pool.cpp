// Expressions come from a pool (lang/expr_pool.cpp): made on one thread, freed on another, all
// freed and made again.
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "ast.hpp"

using namespace pol;

namespace {

std::vector<lang::ExprPtr> make(std::size_t n)
{
   std::vector<lang::ExprPtr> out;
   for (std::size_t i = 0; i < n; ++i) {
      out.push_back(std::make_unique<lang::Expr>(lang::ExprKind::int_lit, lang::Span{0, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + 1)}));
      out.back()->text = std::to_string(i) + " is a number long enough not to fit in a string's own storage";
   }
   return out;
}

}  // namespace

TEST_CASE("expressions from the pool are distinct, keep what they hold, and may be freed on another thread")
{
   // more than the first chunks hold, so that several are mapped
   auto exprs = make(50000);
   std::set<const lang::Expr*> addresses;
   for (const auto& e : exprs) addresses.insert(e.get());
   CHECK(addresses.size() == exprs.size());
   for (std::size_t i = 0; i < exprs.size(); i += 997) {
      CHECK(exprs[i]->span.begin == i);
      CHECK(exprs[i]->text.starts_with(std::to_string(i) + " is"));
   }
   std::thread([moved = std::move(exprs)]() mutable { moved.clear(); }).join();
   // every one freed: the pool starts again, and what it hands out is as good as new
   auto again = make(1000);
   CHECK(again.back()->span.end == 1000);
   again.erase(again.begin(), again.begin() + 500);
   auto more = make(10);
   CHECK(more.front()->args.empty());
   CHECK(more.front()->kind == lang::ExprKind::int_lit);
}
