/* main.c — routecare: child protection case management for children on the move. */
#include <stdio.h>

#include "cli/cli.h"
#include "vault/vault.h"

int
main(int argc, char **argv)
{
	if (vault_init() != 0) {
		fprintf(stderr, "routecare: cannot initialise the cryptography library\n");
		return CLI_FAIL;
	}
	return cli_main(argc, argv);
}
