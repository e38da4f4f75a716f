// libFuzzer's entry for programs with a main of their own (llvm.org/docs/LibFuzzer.html):
// it parses libFuzzer's flags from argv and calls `callback` with each input.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
