/* A stand-in bcryptprimitives.dll for Wine 8, which lacks it: Rust's std
 * (1.78 and later) takes its random bytes from ProcessPrng in that DLL.
 * This one fills the buffer with RtlGenRandom (advapi32's SystemFunction036),
 * which Wine has. Test use only: scripts/test-windows puts it in the Wine
 * prefix's system32; a real Windows (8 and later) has its own. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
