#pragma once
/// The codec every class ring stores its events with (broadcast/blob_codec.hpp): its
/// dictionary is a handful of events of each kind, made by the same encoders as live
/// events (so it follows their format), laid out as ring blobs.

#include <string>

#include "rollcall/broadcast/blob_codec.hpp"

namespace rollcall::live {

/// The dictionary: sample event blobs end to end.
std::string history_dictionary();

/// The process's codec (made on first use, then shared by every shard).
const broadcast::BlobCodec& history_codec();

}  // namespace rollcall::live
