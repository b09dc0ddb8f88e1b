// SPDX-License-Identifier: GPL-2.0
/* Exec and close-on-exec: after attach, opens one file without O_CLOEXEC and two with it,
 * runs a child that execs (its exec must not touch our table), then execs itself: the
 * new image still holds the first file and not the other two, and prints the truth. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/wait.h>
#include "target.h"

#define CLOEXEC_N 2

static char keep[64], drop[64];

LT_NOINLINE static int keep_across_exec(void)
{
	int fd = open(keep, O_RDONLY);

	LT_KEEP(fd);
	return fd;
}

LT_NOINLINE static int drop_at_exec(void)
{
	int fd = open(drop, O_RDONLY | O_CLOEXEC);

	LT_KEEP(fd);
	return fd;
}

static void run_child(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
		abort();
}

static void again(void)
{
	close(open(keep, O_RDONLY));
}

int main(int argc, char **argv)
{
	if (argc > 4 && !strcmp(argv[2], "stage2")) {
		/* after the exec: argv[1] is the mode, argv[3..4] the two paths */
		char *mode[] = { argv[0], argv[1], NULL };

		lt_target__init(2, mode);
		printf("{\"target\": \"fd_exec\", \"keep\": \"%s\", \"drop\": \"%s\", "
		       "\"keep_count\": 1, \"drop_count\": %d, \"leaks\": []}\n",
		       argv[3], argv[4], CLOEXEC_N);
		unlink(argv[3]);
		unlink(argv[4]);
		lt_target__done(again);
		return 0;
	}
	lt_target__init(argc, argv);
	snprintf(keep, sizeof(keep), "/tmp/lt-fdexec-%d.keep", (int)getpid());
	snprintf(drop, sizeof(drop), "/tmp/lt-fdexec-%d.drop", (int)getpid());
	close(open(keep, O_CREAT | O_WRONLY, 0600));
	close(open(drop, O_CREAT | O_WRONLY, 0600));
	lt_target__ready();

	keep_across_exec();
	for (int i = 0; i < CLOEXEC_N; i++)
		drop_at_exec();
	run_child();
	fflush(stdout);
	execl("/proc/self/exe", argv[0], argc > 1 ? argv[1] : "wait", "stage2", keep, drop,
	      (char *)NULL);
	abort();
}
