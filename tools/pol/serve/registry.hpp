// The policies a running service evaluates, kept in step with their files. A changed file is
// checked first; only a policy that checks clean replaces the running version, and it does so
// atomically: a request holds the version it started with until it ends.
#pragma once

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pol/pol.hpp"

namespace pol::serve {

// One loaded version of a policy and what the service tells of it.
struct LoadedPolicy {
   std::string name;          // the header's name, or the file's stem
   About about;
   std::string file;
   std::string content_hash;  // "sha256:…" of the file's text
   unsigned revision = 0;     // 1 for the first version loaded, then one more for each replacement
   std::string loaded_at;     // UTC, ISO 8601
   std::shared_ptr<const Policy> policy;
   std::string input_schema, result_schema;
};

// A file whose latest text did not load: the service keeps serving the last good version.
struct LoadFailure {
   std::string file;
   std::string name;          // the policy it held when it last loaded, if it ever did
   std::string content_hash;
   std::string failed_at;
   std::vector<Diagnostic> diagnostics;
   std::string message;       // when the file could not be read or has no diagnostics to show
};

struct Snapshot {
   std::map<std::string, std::shared_ptr<const LoadedPolicy>> policies;  // by name
   std::vector<LoadFailure> failures;                                    // by file
   std::uint64_t reloads = 0, failed_loads = 0;                          // since the start

   void clear_failure(const std::string& file)
   {
      std::erase_if(failures, [&](const LoadFailure& f) { return f.file == file; });
   }
   // A file's latest failure replaces its earlier one.
   void add_failure(LoadFailure f)
   {
      clear_failure(f.file);
      failures.push_back(std::move(f));
      ++failed_loads;
   }
};

// Structured log lines: an event name and its fields, as JSON text.
using Log = std::function<void(const std::string& json_line)>;

class Registry {
public:
   Registry(std::vector<std::string> folders, CompileOptions options, Log log);

   // Reads the folders and loads what changed. With `settle`, a file that changed since the
   // last scan waits for the next one (it may still be being written), and so does a file that
   // is gone; without it (the first scan, SIGHUP) every change is taken now, a policy's new
   // name included. `retry` tries again every file that failed, though it has not changed.
   void scan(bool settle, bool retry = false);

   std::shared_ptr<const Snapshot> snapshot() const;
   std::shared_ptr<const LoadedPolicy> find(const std::string& name) const;

private:
   struct Seen {  // what the last scan found of a file
      std::filesystem::file_time_type mtime;
      std::uintmax_t size = 0;
      std::string hash;          // of the text last loaded or refused
      bool pending = false;      // changed, waiting to settle
      bool missing = false;      // gone at the last scan, waiting to settle
   };
   void scan_files(bool settle, bool retry);
   void load(const std::string& file, const std::string& text, const std::string& hash, bool rename, Snapshot& next);
   std::vector<std::string> folders_;
   CompileOptions options_;
   Log log_;
   std::map<std::string, Seen> seen_;                       // by file; only scan() touches it
   std::map<std::string, std::string> name_of_file_;         // the policy each file last loaded
   std::mutex scan_mutex_;                                  // one scan at a time
   mutable std::mutex mutex_;                               // guards current_
   std::shared_ptr<const Snapshot> current_;
};

// "sha256:" and the hex digest of `text`.
std::string content_hash(std::string_view text);
// Now, UTC, to the second: "2026-11-30T05:00:00Z".
std::string utc_now();

}  // namespace pol::serve
