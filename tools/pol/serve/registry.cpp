#include "registry.hpp"

#include "../clock.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pol::serve {

namespace fs = std::filesystem;

std::string content_hash(std::string_view text)
{
   unsigned char digest[EVP_MAX_MD_SIZE];
   unsigned int size = 0;
   EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
   std::string out = "sha256:";
   for (unsigned i = 0; i < size; ++i) out += fmt::format("{:02x}", digest[i]);
   return out;
}

std::string utc_now() { return cli::clock_text("%Y-%m-%dT%H:%M:%SZ", true); }

namespace {

std::optional<std::string> read_file(const std::string& path)
{
   std::ifstream in(path, std::ios::binary);
   if (!in) return std::nullopt;
   std::ostringstream text;
   text << in.rdbuf();
   if (in.bad()) return std::nullopt;
   return std::move(text).str();
}

// Every .pol file under the folders, in a stable order.
std::vector<std::string> policy_files(const std::vector<std::string>& folders)
{
   std::set<std::string> files;
   for (const auto& folder : folders) {
      std::error_code ec;
      if (fs::is_regular_file(folder, ec)) {
         files.insert(folder);
         continue;
      }
      for (fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end; it.increment(ec)) {
         if (it->path().extension() == ".pol" && it->is_regular_file(ec)) files.insert(it->path().string());
      }
   }
   return {files.begin(), files.end()};
}

nlohmann::ordered_json diagnostics_json(const std::vector<Diagnostic>& diagnostics)
{
   auto out = nlohmann::ordered_json::array();
   for (const auto& d : diagnostics) out.push_back(nlohmann::ordered_json::parse(d.json));
   return out;
}

}  // namespace

Registry::Registry(std::vector<std::string> folders, CompileOptions options, Log log)
   : folders_(std::move(folders)), options_(std::move(options)), log_(std::move(log)), current_(std::make_shared<Snapshot>())
{
}

std::shared_ptr<const Snapshot> Registry::snapshot() const
{
   std::lock_guard lock(mutex_);
   return current_;
}

std::shared_ptr<const LoadedPolicy> Registry::find(const std::string& name) const
{
   const auto s = snapshot();
   const auto it = s->policies.find(name);
   return it == s->policies.end() ? nullptr : it->second;
}

void Registry::scan(bool settle, bool retry)
{
   std::lock_guard scanning(scan_mutex_);
   try {
      scan_files(settle, retry);
   } catch (const std::exception& e) {  // a scan that fails leaves the policies as they were
      log_(nlohmann::ordered_json{{"event", "scan_failed"}, {"message", e.what()}}.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
   }
}

void Registry::scan_files(bool settle, bool retry)
{
   auto next = std::make_shared<Snapshot>(*snapshot());
   bool changed = false, freed = false;
   const auto files = policy_files(folders_);
   // Files that are gone: their policies go too, once they have been gone for a whole look
   // (a file renamed or replaced may be back by then).
   for (auto it = seen_.begin(); it != seen_.end();) {
      Seen& seen = it->second;
      if (std::binary_search(files.begin(), files.end(), it->first)) {
         seen.missing = false;
         ++it;
         continue;
      }
      if (settle && !seen.missing) {
         seen.missing = true;
         ++it;
         continue;
      }
      if (const auto n = name_of_file_.find(it->first); n != name_of_file_.end()) {
         const auto p = next->policies.find(n->second);
         if (p != next->policies.end() && p->second->file == it->first) next->policies.erase(p);
         log_(nlohmann::ordered_json{{"event", "removed"}, {"policy", n->second}, {"file", it->first}}.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
         name_of_file_.erase(n);
         freed = true;
      }
      next->clear_failure(it->first);
      it = seen_.erase(it);
      changed = true;
   }
   // A file refused (say, for a name another file held) is tried again when a name is freed,
   // and on SIGHUP.
   if (freed || retry) {
      for (const auto& f : next->failures) {
         if (auto s = seen_.find(f.file); s != seen_.end()) {
            s->second.hash.clear();
            s->second.pending = true;
         }
      }
   }
   for (const auto& file : files) {
      std::error_code ec;
      const auto mtime = fs::last_write_time(file, ec);
      const auto size = fs::file_size(file, ec);
      auto [at, fresh] = seen_.try_emplace(file);
      Seen& seen = at->second;
      const bool touched = fresh || seen.mtime != mtime || seen.size != size;
      seen.mtime = mtime;
      seen.size = size;
      if (!touched && !seen.pending) continue;
      // A file still being written changes between looks: wait until it holds still.
      if (settle && touched) {
         seen.pending = true;
         continue;
      }
      seen.pending = false;
      const auto text = read_file(file);
      if (!text) {
         next->add_failure({file, name_of_file_.count(file) ? name_of_file_[file] : "", "", utc_now(), {}, "cannot read the file"});
         changed = true;
         continue;
      }
      const auto hash = content_hash(*text);
      if (hash == seen.hash) continue;
      seen.hash = hash;
      load(file, *text, hash, !settle, *next);
      changed = true;
   }
   if (!changed) return;
   std::lock_guard lock(mutex_);
   current_ = std::move(next);
}

void Registry::load(const std::string& file, const std::string& text, const std::string& hash, bool rename, Snapshot& next)
{
   const std::string previous_name = name_of_file_.count(file) ? name_of_file_[file] : "";
   const auto fail = [&](std::vector<Diagnostic> diagnostics, std::string message) {
      log_(nlohmann::ordered_json{{"event", "load_failed"}, {"file", file}, {"policy", previous_name}, {"content_hash", hash},
                                  {"kept", previous_name.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(previous_name)},
                                  {"message", message}, {"diagnostics", diagnostics_json(diagnostics)}}
              .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
      next.add_failure({file, previous_name, hash, utc_now(), std::move(diagnostics), std::move(message)});
   };
   // The text of the version being served again (after a broken one): nothing to load.
   if (const auto running = next.policies.find(previous_name); running != next.policies.end() && running->second->file == file && running->second->content_hash == hash) {
      next.clear_failure(file);
      log_(nlohmann::ordered_json{{"event", "restored"}, {"policy", previous_name}, {"file", file}, {"content_hash", hash}}.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
      return;
   }
   std::shared_ptr<const Policy> policy;
   try {
      CompileOptions options = options_;
      options.search_path.push_back(fs::path(file).parent_path().string());
      policy = Policy::compile_string(file, text, options);
   } catch (const CompileError& e) {
      std::vector<Diagnostic> errors;
      for (const auto& d : e.diagnostics()) {
         if (d.error) errors.push_back(d);
      }
      return fail(std::move(errors), fmt::format("the policy has {} error{}: the running version, if any, is kept", errors.size(), errors.size() == 1 ? "" : "s"));
   }
   auto loaded = std::make_shared<LoadedPolicy>();
   loaded->about = policy->about();
   loaded->name = loaded->about.name.empty() ? fs::path(file).stem().string() : loaded->about.name;
   // A file cut short can still check clean: a version with nothing to give, or that names
   // another policy, does not replace a running one unless asked (SIGHUP).
   if (policy->outputs().empty()) return fail({}, "the policy declares no outputs: is the file cut short? the running version, if any, is kept");
   if (!rename && !previous_name.empty() && previous_name != loaded->name) {
      return fail({}, fmt::format("the file now names the policy \"{}\", not \"{}\": a renamed policy is served after SIGHUP; until then \"{}\" is kept",
                                  loaded->name, previous_name, previous_name));
   }
   if (const auto taken = next.policies.find(loaded->name); taken != next.policies.end() && taken->second->file != file) {
      return fail({}, fmt::format("the policy name \"{}\" is already served from {}: give each policy its own name", loaded->name, taken->second->file));
   }
   if (!previous_name.empty() && previous_name != loaded->name) {  // renamed: the old name goes
      if (const auto old = next.policies.find(previous_name); old != next.policies.end() && old->second->file == file) next.policies.erase(old);
   }
   const auto before = next.policies.find(loaded->name);
   loaded->revision = before == next.policies.end() ? 1 : before->second->revision + 1;
   loaded->file = file;
   loaded->content_hash = hash;
   loaded->loaded_at = utc_now();
   loaded->input_schema = policy->schema_json(SchemaPart::input);
   loaded->result_schema = policy->schema_json(SchemaPart::result);
   loaded->policy = std::move(policy);
   next.clear_failure(file);
   name_of_file_[file] = loaded->name;
   ++next.reloads;
   log_(nlohmann::ordered_json{{"event", "loaded"}, {"policy", loaded->name}, {"file", file}, {"content_hash", hash}, {"revision", loaded->revision}}.dump(
      -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
   next.policies[loaded->name] = std::move(loaded);
}

}  // namespace pol::serve
