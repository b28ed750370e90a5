#include "rollcall/io/user_data.hpp"

#include <gtest/gtest.h>

namespace rollcall::io {
namespace {

TEST(UserData, RoundTripsEveryField) {
  const std::uint64_t ud = make_user_data(Op::Send, 0x00ABCDEF, 0xFFFFFFFE);
  EXPECT_EQ(op_of(ud), Op::Send);
  EXPECT_EQ(generation_of(ud), 0x00ABCDEFu);
  EXPECT_EQ(index_of(ud), 0xFFFFFFFEu);
}

TEST(UserData, GenerationIsMaskedTo24BitsWithoutTouchingTheOp) {
  const std::uint64_t ud = make_user_data(Op::Recv, 0xFF000001, 7);
  EXPECT_EQ(op_of(ud), Op::Recv);
  EXPECT_EQ(generation_of(ud), 1u);
  EXPECT_EQ(index_of(ud), 7u);
}

TEST(UserData, NothingWeSubmitEncodesToZero) {
  EXPECT_NE(make_user_data(Op::Accept, 0, 0), 0u);
  EXPECT_EQ(op_of(0), Op::None);
}

}  // namespace
}  // namespace rollcall::io
