// Whole-file reads and writes for tests, file modes, and the umask for one test.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace feedback::testing {

inline std::string read_all(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline void write_file(const std::filesystem::path& file, const std::string& text)
{
    std::ofstream out(file, std::ios::binary);
    out << text;
}

// The permission bits of `path` itself (a link is not followed), e.g. 0600.
inline unsigned permission_bits(const std::filesystem::path& path)
{
    return static_cast<unsigned>(std::filesystem::symlink_status(path).permissions()) & 07777;
}

// Sets the process's umask (children inherit it) and puts the old one back.
class UmaskFor {
public:
    explicit UmaskFor(mode_t mask) : m_old(::umask(mask)) {}
    ~UmaskFor() { ::umask(m_old); }
    UmaskFor(const UmaskFor&) = delete;
    UmaskFor& operator=(const UmaskFor&) = delete;

private:
    mode_t m_old;
};

} // namespace feedback::testing
