/* ProcessPrng for Wine releases that lack it (before 9.x): the Go runtime
 * (1.22 and later) takes its random bytes from bcryptprimitives.dll and
 * stops at start without it. Built by the Wine tests into a throwaway
 * prefix; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len); /* RtlGenRandom */

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
		if (!SystemFunction036(data, n)) return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
