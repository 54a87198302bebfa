// Folders and files only this program's user can read: a private folder is
// 0700 and a private file 0600 whatever the umask, because the terminal's and
// head office's data folders hold customers' contact details, tokens and keys
// (issue 9). Everything the two programs write there goes through here.
#pragma once

#include "domain/result.h"

#include <filesystem>
#include <string_view>

namespace feedback::files {

inline constexpr auto private_directory_mode = std::filesystem::perms::owner_all;                                // 0700
inline constexpr auto private_file_mode = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write; // 0600

// Makes `dir` with mode 0700 when it does not exist (missing parents as
// `mkdir -p` makes them). An existing folder is left as it is: it may be one
// the user shares on purpose (`--screenshots /tmp`); a data folder is made
// private by tighten_private_directory().
Result<void> make_private_directory(const std::filesystem::path& dir);

// For a folder that belongs to the program (a data folder): takes group's and
// others' permission bits off it and off every folder and file under it
// (0755 -> 0700, 0644 -> 0600), so that a folder made by an older version or
// by hand with mkdir is private from its next open. Symbolic links are
// neither followed nor changed; files that vanish meanwhile, and those inside
// that belong to another user (the folder's 0700 shuts them in), are skipped.
// An error when the folder itself cannot be made private.
Result<void> tighten_private_directory(const std::filesystem::path& dir);

// Creates `file` empty with mode 0600 when it does not exist; an existing
// file is left alone. Call it before SQLite creates a database: SQLite gives
// the -wal, -shm and journal files the mode of the database file.
Result<void> create_private_file(const std::filesystem::path& file);

enum class Durability {
    synced,     // the file and its folder are fsynced before returning (credentials, configuration, settings)
    not_synced, // a crash may lose the new file, never leave half of it (screenshots)
};

// Moves a finished file into place for good: `from` is written to disk, renamed
// to `to` (replacing it), and the folder is synced so that the rename
// survives a power cut. Both must be in the same folder or file system.
Result<void> durable_rename(const std::filesystem::path& from, const std::filesystem::path& to);

// Removes `path` (a file, or a folder with all it holds) and syncs the folder
// it was in, so the removal survives a power cut. Nothing there: no error.
Result<void> remove_durably(const std::filesystem::path& path);

// Replaces `file` with `bytes`, mode 0600: written to FILE.tmp, then renamed
// over `file`, so a reader sees the old or the new bytes, never a mix.
Result<void> write_private_file(const std::filesystem::path& file, std::string_view bytes, Durability durability);

} // namespace feedback::files
