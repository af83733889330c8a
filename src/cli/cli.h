/*
 * cli.h — the routecare command line: parse arguments, call app/, print results.
 *
 * Exit status: 0 done, 1 failed (not found, refused, integrity, I/O), 2 usage or bad
 * input (including a stale revision). Messages go to stderr, results (JSON) to stdout.
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#define CLI_OK		0
#define CLI_FAIL	1
#define CLI_USAGE	2

int	cli_main(int argc, char **argv);

#endif
