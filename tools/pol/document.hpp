// A small document model for pol doc: headings, paragraphs, tables and lists of inline runs,
// written out as Markdown or as HTML from the same blocks, so the two always say the same.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pol::cli::doc {

struct Run {
   enum class Style { plain, code, strong, link } style = Style::plain;
   std::string text;
   std::string href;  // for a link
};
using Inline = std::vector<Run>;

inline Run plain(std::string t) { return {Run::Style::plain, std::move(t), {}}; }
inline Run code(std::string t) { return {Run::Style::code, std::move(t), {}}; }
inline Run strong(std::string t) { return {Run::Style::strong, std::move(t), {}}; }
inline Run link(std::string t, std::string href) { return {Run::Style::link, std::move(t), std::move(href)}; }

struct Block {
   enum class Kind { heading, paragraph, table, list } kind = Kind::paragraph;
   int level = 1;                         // heading
   Inline text;                           // heading, paragraph
   std::vector<Inline> header;            // table
   std::vector<std::vector<Inline>> rows; // table rows; list items (one cell each)
};

struct Document {
   std::string title;
   std::vector<Block> blocks;
   void heading(int level, Inline text) { blocks.push_back({Block::Kind::heading, level, std::move(text), {}, {}}); }
   void paragraph(Inline text) { blocks.push_back({Block::Kind::paragraph, 0, std::move(text), {}, {}}); }
   void table(std::vector<Inline> header, std::vector<std::vector<Inline>> rows) { blocks.push_back({Block::Kind::table, 0, {}, std::move(header), std::move(rows)}); }
   void list(std::vector<Inline> items)
   {
      Block b{Block::Kind::list, 0, {}, {}, {}};
      for (auto& i : items) b.rows.push_back({std::move(i)});
      blocks.push_back(std::move(b));
   }
};

// Text made safe inside XML or HTML, in an element or an attribute: & < > " escaped.
std::string escape_markup(std::string_view s);

std::string markdown(const Document& d);
// A whole HTML page, its style inside: readable printed or on screen, no script, nothing fetched.
std::string html(const Document& d);

}  // namespace pol::cli::doc
