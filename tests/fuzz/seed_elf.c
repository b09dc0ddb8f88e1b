// SPDX-License-Identifier: GPL-2.0
/* Seed of the ELF fuzzers (built by seed.sh): functions leaktrace probes by name, a C++
 * mangled name, and the v8dbg_* constants V8 exports, with values node 20 has. */
#include <stdlib.h>

/* clang-format off */
int v8dbg_off_fp_function = -16, v8dbg_off_fp_context = -8;
int v8dbg_class_Map__instance_type__uint16_t = 12;
int v8dbg_class_JSFunction__shared__SharedFunctionInfo = 24;
int v8dbg_class_SharedFunctionInfo__name_or_scope_info__Object = 16;
int v8dbg_class_SharedFunctionInfo__script_or_debug_info__Object = 32;
int v8dbg_class_Script__name__Object = 16, v8dbg_class_String__length__int32_t = 12;
int v8dbg_class_SeqOneByteString__chars__char = 16;
int v8dbg_class_SeqTwoByteString__chars__char = 16;
int v8dbg_class_ThinString__actual__String = 16;
int v8dbg_type_JSFunction__JS_FUNCTION_TYPE = 2065;
int v8dbg_type_SharedFunctionInfo__SHARED_FUNCTION_INFO_TYPE = 180;
int v8dbg_type_ScopeInfo__SCOPE_INFO_TYPE = 177, v8dbg_type_Script__SCRIPT_TYPE = 120;
int v8dbg_FirstNonstringType = 128, v8dbg_StringRepresentationMask = 7;
int v8dbg_StringEncodingMask = 8, v8dbg_ThinStringTag = 5, v8dbg_OneByteStringTag = 8;
int v8dbg_scopeinfo_idx_ncontextlocals = 2, v8dbg_scopeinfo_idx_first_vars = 4;
long long v8dbg_TaggedSize = 8;
unsigned char v8_Default_embedded_blob_code_[64] = { 0xc3 };
unsigned int v8_Default_embedded_blob_code_size_ = 64;
int _ZN2v88internal7Version6major_E = 11, _ZN2v88internal7Version6minor_E = 3;
int _ZN2v88internal7Version6build_E = 244, _ZN2v88internal7Version6patch_E = 8;
/* clang-format on */

void *_ZN2v88internal4Heap24PerformGarbageCollectionENS0_16GarbageCollectorE(size_t n)
{
	return malloc(n);
}

/* Heap::SizeOfObjects(), and a compiler clone of PerformGarbageCollection (node 18 has one) */
__attribute__((used, noinline)) size_t size_of_objects(void) __asm__(
	"_ZN2v88internal4Heap13SizeOfObjectsEv");
size_t size_of_objects(void)
{
	return 42;
}

__attribute__((used, noinline)) void gc_clone(void) __asm__(
	"_ZN2v88internal4Heap24PerformGarbageCollectionENS0_16GarbageCollectorE.constprop.0");
void gc_clone(void)
{
}

int main(int argc, char **argv)
{
	void *volatile p =
		_ZN2v88internal4Heap24PerformGarbageCollectionENS0_16GarbageCollectorE(argc);

	free(p);
	return v8dbg_TaggedSize != 8;
}
