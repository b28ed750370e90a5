#include "src/app/zip_members.hpp"

#include <zip.h>

#include <algorithm>
#include <memory>

#include "src/app/zip_handle.hpp"

namespace rollcall::app {

namespace {

Result<ZipHandle> open_archive(std::string_view archive, const std::string& label) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(archive.data(), archive.size(), 0, &error);
  zip_t* zip = source == nullptr ? nullptr
                                 : zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (zip == nullptr) {
    if (source != nullptr) zip_source_free(source);
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Error{label + " is not a readable zip archive (" + why + ")"};
  }
  zip_error_fini(&error);
  return ZipHandle(zip);
}

Result<std::string> inflate(zip_t* zip, zip_uint64_t index, std::size_t limit,
                            const std::string& what) {
  zip_stat_t st;
  if (zip_stat_index(zip, index, 0, &st) != 0) return Error{what + ": " + zip_strerror(zip)};
  if ((st.valid & ZIP_STAT_SIZE) != 0 && st.size > limit) {
    return Error{what + " is larger than " + std::to_string(limit >> 20) + " MiB"};
  }
  zip_file_t* file = zip_fopen_index(zip, index, 0);
  if (file == nullptr) return Error{what + ": " + zip_strerror(zip)};
  std::string out;
  char buf[1 << 16];
  zip_int64_t n = 0;
  while ((n = zip_fread(file, buf, sizeof buf)) > 0) {
    if (out.size() + static_cast<std::size_t>(n) > limit) {
      zip_fclose(file);
      return Error{what + " is larger than " + std::to_string(limit >> 20) + " MiB"};
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  const std::string why = n < 0 ? zip_file_strerror(file) : "";
  zip_fclose(file);
  if (n < 0) return Error{what + " cannot be read (" + why + ")"};
  return out;
}

std::string base_name(std::string_view path) {
  const std::size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

Result<std::map<std::string, std::string>> zip_members(std::string_view archive,
                                                       const std::vector<std::string>& names,
                                                       std::size_t member_bytes_max,
                                                       const std::string& label) {
  Result<ZipHandle> zip = open_archive(archive, label);
  if (!zip) return Error{zip.error()};
  const zip_int64_t count = zip_get_num_entries(zip->get(), 0);
  if (count < 0 || static_cast<std::size_t>(count) > kZipEntriesMax) {
    return Error{label + " has more than " + std::to_string(kZipEntriesMax) + " entries"};
  }
  std::map<std::string, zip_uint64_t> found;
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* path = zip_get_name(zip->get(), static_cast<zip_uint64_t>(i), 0);
    if (path == nullptr) continue;
    const std::string name = base_name(path);
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    if (!found.emplace(name, static_cast<zip_uint64_t>(i)).second) {
      return Error{label + " holds more than one " + name};
    }
  }
  std::map<std::string, std::string> out;
  for (const std::string& name : names) {
    auto it = found.find(name);
    if (it == found.end()) return Error{label + " has no " + name};
    Result<std::string> text =
        inflate(zip->get(), it->second, member_bytes_max, label + ": " + name);
    if (!text) return Error{text.error()};
    out.emplace(name, std::move(*text));
  }
  return out;
}

}  // namespace rollcall::app
