/* half.h — IEEE 754 half floats, the storage form of text vectors (the window's rows, the stage
 * records on the wire): the compiler's own type, so conversions round the same way everywhere. */
#ifndef LOCKSTEP_HALF_H
#define LOCKSTEP_HALF_H

#if defined(__clang__) && __clang_major__ < 15 /* clang 14 (the fuzz build): no _Float16 on x86 */
typedef __fp16 ls_half;                        /* a storage type that converts the same way */
#else
typedef _Float16 ls_half;
#endif

#endif
