/*
 * main.c — the `main` of a test binary (library weft_main, pkg-config
 * module weft-main): a file of WEFT_TESTs linked with it is a test binary.
 */
#include <weft/weft.h>

int main(int argc, char **argv)
{
    return weft_main(argc, argv);
}
