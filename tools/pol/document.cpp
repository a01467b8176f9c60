#include "document.hpp"

#include <fmt/format.h>

namespace pol::cli::doc {

namespace {

// Markdown: characters that would start markup are escaped; a line end inside a table cell is <br>.
std::string md_text(const std::string& s, bool in_table)
{
   std::string out;
   for (const char c : s) {
      if (c == '\n') {
         out += in_table ? "<br>" : "  \n";
         continue;
      }
      if (std::string_view("\\`*_[]<>|#").find(c) != std::string_view::npos) out += '\\';
      out += c;
   }
   return out;
}

std::string md_inline(const Inline& runs, bool in_table)
{
   std::string out;
   for (const auto& r : runs) {
      switch (r.style) {
         case Run::Style::plain: out += md_text(r.text, in_table); break;
         case Run::Style::strong: out += "**" + md_text(r.text, in_table) + "**"; break;
         case Run::Style::link: out += "[" + md_text(r.text, in_table) + "](" + r.href + ")"; break;
         case Run::Style::code: {
            std::string t = r.text;
            if (in_table) {  // a pipe ends a cell even inside backticks
               std::string escaped;
               for (const char c : t) escaped += c == '|' ? std::string("\\|") : std::string(1, c);
               t = escaped;
            }
            const std::string fence = t.find('`') == std::string::npos ? "`" : "`` ";
            out += fence + t + (fence == "`" ? "`" : " ``");
            break;
         }
      }
   }
   return out;
}

// HTML text; a line end is a line break.
std::string html_text(const std::string& s)
{
   std::string out = escape_markup(s);
   for (std::size_t at = out.find('\n'); at != std::string::npos; at = out.find('\n', at)) out.replace(at, 1, "<br>");
   return out;
}

std::string html_inline(const Inline& runs)
{
   std::string out;
   for (const auto& r : runs) {
      switch (r.style) {
         case Run::Style::plain: out += html_text(r.text); break;
         case Run::Style::strong: out += "<strong>" + html_text(r.text) + "</strong>"; break;
         case Run::Style::code: out += "<code>" + html_text(r.text) + "</code>"; break;
         case Run::Style::link: out += "<a href=\"" + html_text(r.href) + "\">" + html_text(r.text) + "</a>"; break;
      }
   }
   return out;
}

// A heading's id, as GitHub makes it for Markdown: "Values by date" is "values-by-date".
std::string slug(const Inline& runs)
{
   std::string out;
   for (const auto& r : runs) {
      for (const char c : r.text) {
         if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') out += c;
         else if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
         else if (c == ' ') out += '-';
      }
   }
   return out;
}

const char* const style = R"(body{font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:#0b0c0c;max-width:60rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.8rem;line-height:1.25}h2{margin-top:2.5rem;border-bottom:2px solid #0b0c0c;padding-bottom:.25rem}h3{margin-top:1.75rem}
table{border-collapse:collapse;margin:.75rem 0 1.25rem;width:100%}th,td{border:1px solid #b1b4b6;padding:.375rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f2f1}code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;background:#f3f2f1;padding:0 .2em}
a{color:#1d70b8}li{margin:.25rem 0}@media print{h2{break-after:avoid}table{break-inside:auto}tr{break-inside:avoid}})";

}  // namespace

std::string escape_markup(std::string_view s)
{
   std::string out;
   for (const char c : s) {
      switch (c) {
         case '&': out += "&amp;"; break;
         case '<': out += "&lt;"; break;
         case '>': out += "&gt;"; break;
         case '"': out += "&quot;"; break;
         default: out += c;
      }
   }
   return out;
}

std::string markdown(const Document& d)
{
   std::string out;
   for (const auto& b : d.blocks) {
      switch (b.kind) {
         case Block::Kind::heading: out += std::string(static_cast<std::size_t>(b.level), '#') + " " + md_inline(b.text, false) + "\n\n"; break;
         case Block::Kind::paragraph: out += md_inline(b.text, false) + "\n\n"; break;
         case Block::Kind::list:
            for (const auto& item : b.rows) out += "- " + md_inline(item.front(), false) + "\n";
            out += "\n";
            break;
         case Block::Kind::table: {
            const auto row = [&](const std::vector<Inline>& cells) {
               std::string line = "|";
               for (const auto& c : cells) line += " " + md_inline(c, true) + " |";
               return line + "\n";
            };
            out += row(b.header);
            out += "|";
            for (std::size_t i = 0; i < b.header.size(); ++i) out += " --- |";
            out += "\n";
            for (const auto& r : b.rows) out += row(r);
            out += "\n";
            break;
         }
      }
   }
   return out;
}

std::string html(const Document& d)
{
   std::string out = fmt::format("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                                 "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
                                 html_text(d.title), style);
   for (const auto& b : d.blocks) {
      switch (b.kind) {
         case Block::Kind::heading: out += fmt::format("<h{0} id=\"{2}\">{1}</h{0}>\n", b.level, html_inline(b.text), slug(b.text)); break;
         case Block::Kind::paragraph: out += "<p>" + html_inline(b.text) + "</p>\n"; break;
         case Block::Kind::list:
            out += "<ul>\n";
            for (const auto& item : b.rows) out += "<li>" + html_inline(item.front()) + "</li>\n";
            out += "</ul>\n";
            break;
         case Block::Kind::table:
            out += "<table>\n<thead><tr>";
            for (const auto& h : b.header) out += "<th scope=\"col\">" + html_inline(h) + "</th>";
            out += "</tr></thead>\n<tbody>\n";
            for (const auto& r : b.rows) {
               out += "<tr>";
               for (const auto& c : r) out += "<td>" + html_inline(c) + "</td>";
               out += "</tr>\n";
            }
            out += "</tbody>\n</table>\n";
            break;
      }
   }
   return out + "</main>\n</body>\n</html>\n";
}

}  // namespace pol::cli::doc
