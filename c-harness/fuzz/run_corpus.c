/* Run the fuzz target once over every file in the folders given (the checked-in corpus),
 * without libFuzzer: ctest runs this under AddressSanitizer + UndefinedBehaviorSanitizer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "stork/exit_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "run_corpus: cannot read %s\n", path);
        return -1;
    }
    uint8_t *buf = malloc(1 << 20);
    size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    if (!buf)
        return -1;
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 1;
}

int main(int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "run_corpus: cannot open folder %s\n", argv[i]);
            return STORK_EXIT_BAD_INPUT;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            char path[4096];
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            int r = run_file(path);
            if (r < 0) {
                closedir(d);
                return STORK_EXIT_BAD_INPUT;
            }
            n += r;
        }
        closedir(d);
    }
    printf("%d corpus inputs run\n", n);
    return n ? STORK_EXIT_OK : STORK_EXIT_VIOLATED;
}
