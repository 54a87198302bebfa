// Reading a -wal file's frames and naming the owner of each page, to count
// what each commit writes (see wal_pages.h). The WAL format is SQLite's
// (https://www.sqlite.org/fileformat2.html#walformat): a 32-byte header, then
// frames of a 24-byte header and one page, all integers big-endian.
#include "wal_pages.h"

#include <array>
#include <fstream>

namespace feedback::store {

namespace {

constexpr size_t wal_header_size = 32;
constexpr size_t frame_header_size = 24;

uint32_t big_endian_u32(const unsigned char* bytes)
{
    return (static_cast<uint32_t>(bytes[0]) << 24) | (static_cast<uint32_t>(bytes[1]) << 16) |
           (static_cast<uint32_t>(bytes[2]) << 8) | static_cast<uint32_t>(bytes[3]);
}

} // namespace

Result<std::vector<WalFrame>> read_wal_frames(const std::filesystem::path& wal_file)
{
    std::vector<WalFrame> frames;
    std::error_code ec;
    if (!std::filesystem::exists(wal_file, ec) || std::filesystem::file_size(wal_file, ec) == 0)
        return frames;
    std::ifstream in(wal_file, std::ios::binary);
    if (!in)
        return Error{ErrorKind::io, "cannot read " + wal_file.string()};
    std::array<unsigned char, wal_header_size> header{};
    if (!in.read(reinterpret_cast<char*>(header.data()), header.size()))
        return frames; // shorter than a header: nothing committed yet
    uint32_t magic = big_endian_u32(header.data());
    if (magic != 0x377f0682 && magic != 0x377f0683)
        return Error{ErrorKind::corrupt, wal_file.string() + " is not a WAL file"};
    uint32_t page_size = big_endian_u32(header.data() + 8);
    if (page_size == 1)
        page_size = 65536; // the format's way of writing 64 KiB
    uint32_t salt1 = big_endian_u32(header.data() + 16);
    uint32_t salt2 = big_endian_u32(header.data() + 20);

    // Frames of an older generation keep their old salts; frames written
    // after the last commit frame are not committed.
    size_t committed = 0;
    std::array<unsigned char, frame_header_size> frame{};
    for (;;) {
        if (!in.read(reinterpret_cast<char*>(frame.data()), frame.size()))
            break;
        if (big_endian_u32(frame.data() + 8) != salt1 || big_endian_u32(frame.data() + 12) != salt2)
            break;
        bool ends_commit = big_endian_u32(frame.data() + 4) != 0;
        frames.push_back({big_endian_u32(frame.data()), ends_commit});
        if (ends_commit)
            committed = frames.size();
        if (!in.seekg(page_size, std::ios::cur))
            break;
    }
    frames.resize(committed);
    return frames;
}

Result<std::map<uint32_t, std::string>> page_owners(sqlite::Database& db)
{
    auto stmt = db.prepare("SELECT pageno, name FROM dbstat");
    if (!stmt)
        return Error{stmt.error().kind,
                     "naming the pages' owners needs SQLite's dbstat table: " + stmt.error().message};
    std::map<uint32_t, std::string> owners;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        owners[static_cast<uint32_t>(stmt->column_int64(0))] = stmt->column_text(1);
    }
    // dbstat names page 1 after the schema table it holds; what a commit
    // writes there is mostly the header's page count.
    owners[1] = "page 1 (header, sqlite_schema)";
    return owners;
}

PagesWritten count_pages(const std::vector<WalFrame>& frames, size_t first_frame,
                         const std::map<uint32_t, std::string>& owners)
{
    PagesWritten out;
    for (size_t i = first_frame; i < frames.size(); ++i) {
        auto owner = owners.find(frames[i].page);
        ++out.by_owner[owner == owners.end() ? "free page" : owner->second];
        ++out.frames;
        if (frames[i].ends_commit)
            ++out.commits;
    }
    return out;
}

} // namespace feedback::store
