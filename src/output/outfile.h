/* SPDX-License-Identifier: GPL-2.0 */
/* The -o file, written safely: each report goes to a new file in the destination's
 * directory (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0666 less the umask) and is renamed into
 * place once written whole. The destination is never opened: a symlink there is replaced
 * by the report (the link itself, never the file it points to), a previous report stays
 * as it was until a new one is complete, and nothing is created before there is
 * something to write. Later reports of a run either replace the file (folded: one
 * profile, the latest) or are appended to the file already in place (text, JSON Lines).
 * A destination that is a device, FIFO or socket (/dev/null, a named pipe) is no file to
 * replace: it is opened (never followed) and written as a stream; so is one of our own
 * descriptors through its link (/dev/stdout, /dev/fd/N, /proc/self/fd/N). */
#ifndef LT_OUTFILE_H
#define LT_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct lt_outfile {
	const char *path; /* destination, as given */
	char *tmp;	  /* the file being written, until renamed; NULL otherwise */
	FILE *f;	  /* the report stream: tmp's, or the placed file's when appending */
	bool stream;	  /* path is a device, FIFO or socket: written in place */
	bool follow;	  /* path is a link to our own descriptor: opened through it */
};

/* Check early that path can take a report: its directory exists and is writable, and
 * path is not a directory. Creates nothing. 0 or a negative errno, with one line said. */
int lt_outfile__init(struct lt_outfile *o, const char *path);
/* The stream for the next report: a new temporary file, unless a placed file is appended
 * to (replace false and one is in place). NULL with one line said. */
FILE *lt_outfile__begin(struct lt_outfile *o, bool replace);
/* The report written to the stream from lt_outfile__begin is complete: flush it to disk
 * and, if it is a new file, rename it into place. On failure (ENOSPC, ...) the temporary
 * file is removed, one line is said and a negative errno returned. */
int lt_outfile__commit(struct lt_outfile *o);
/* Close the stream; a temporary file not committed is removed. */
void lt_outfile__close(struct lt_outfile *o);

#endif
