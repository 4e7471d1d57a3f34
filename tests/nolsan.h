/*
 * Included once by each test tool (fcgi-client, mkhash).  A sanitizer
 * build's make check starts them thousands of times, and LeakSanitizer's
 * scan at every exit cost three times the run itself.  What a test tool
 * leaks is not the product's, so they opt out of leak checking through
 * the hook LeakSanitizer looks for (<sanitizer/lsan_interface.h>);
 * AddressSanitizer and UBSan still check them.  Outside a sanitizer build
 * nothing calls it.
 */
#ifndef NOLSAN_H
#define NOLSAN_H

int	__lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return 1;
}

#endif
