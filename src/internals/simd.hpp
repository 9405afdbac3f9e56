/// @file simd.hpp
/// @brief CNNLAB_SIMD_CLONES: compile a loop twice, for the baseline x86-64 and for AVX2, and let the loader pick.
///
/// The library is built for the baseline x86-64 (SSE2), so that it runs on any 64-bit PC; a loop over doubles
/// then works on two at a time. Marked with this macro, a function is compiled a second time for AVX2 (four at a
/// time), and a resolver run when the program starts picks that copy on processors that have AVX2 (GCC and
/// Clang's target_clones, "function multiversioning"). Both copies do the same arithmetic in the same order,
/// without fused multiply-adds, so their numbers are the same. OpenBLAS and libtorch choose their kernels at run
/// time in the same way.
///
/// Used where it was measured to pay: the runtime's ReLU (src/runtime/layer_objects.cpp), about three times faster.
/// Pooling, im2col and the update rules were tried and gained nothing measurable (their time is in memory
/// traffic and index arithmetic, not in arithmetic on doubles).
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/// Put before a function's definition: compiles it for the baseline and for AVX2 (empty off x86-64).
#define CNNLAB_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
/// Put before a function's definition: compiles it for the baseline and for AVX2 (empty off x86-64).
#define CNNLAB_SIMD_CLONES
#endif
