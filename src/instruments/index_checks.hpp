/// @file index_checks.hpp
/// @brief The student build's index checks: every xtensor index is checked (XTENSOR_ENABLE_ASSERT), and one
/// outside its array throws cnn::index_error naming the exercise's file and line.
///
/// Force-included into every file when CMake's CNNLAB_INDEX_CHECKS is on (the `student` and `bounds`
/// presets): it must come before any other xtensor header, so that xtensor's checks throw through
/// cnn::detail::index_check_failed instead of a bare std::out_of_range that says nothing of where.
#pragma once

#include <string>

#include <xtensor/xtensor_config.hpp>

namespace cnn::detail {
/// Throws cnn::index_error with @p message and the first place on the call stack in the student's code.
[[noreturn]] void index_check_failed(const std::string& message);
}  // namespace cnn::detail

#undef XTENSOR_THROW
/// xtensor's way to report a failed check, redirected to cnn::detail::index_check_failed.
#define XTENSOR_THROW(exception, msg) ::cnn::detail::index_check_failed(msg)
