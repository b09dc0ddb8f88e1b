// SPDX-License-Identifier: GPL-2.0
/* Inlined functions at a pc: the DW_TAG_inlined_subroutine scopes around it, innermost
 * first, up to the DW_TAG_subprogram they were inlined into. */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <elfutils/libdw.h>
#include "inline.h"

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;

	/* the name is on the abstract origin that an inlined instance points to */
	return dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
}

/* Where die (an inlined subroutine) was called from: a file of cu and a line. */
static void call_site(Dwarf_Die *cu, Dwarf_Die *die, const char **file, int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word v;
	size_t nfiles;

	*file = NULL;
	*line = 0;
	if (!dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &v))
		*line = (int)v;
	if (!dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &v) &&
	    !dwarf_getsrcfiles(cu, &files, &nfiles) && v < nfiles)
		*file = dwarf_filesrc(files, v, NULL, NULL);
}

int lt_inline__chain(Dwfl_Module *mod, Dwarf_Addr pc, const char *outer, const char *file, int line,
		     struct lt_sym_inline **chain, __u32 *n)
{
	Dwarf_Die *cu, *scopes = NULL;
	struct lt_sym_inline *c = NULL;
	Dwarf_Addr bias = 0;
	int nscopes, i, err = 0;
	__u32 k = 0;

	*chain = NULL;
	*n = 0;
	cu = dwfl_module_addrdie(mod, pc, &bias);
	if (!cu)
		return 0;
	nscopes = dwarf_getscopes(cu, pc - bias, &scopes);
	for (i = 0; i < nscopes && dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine; i++) {
		if (!c) {
			/* every inlined scope, and the function they sit in */
			c = calloc((size_t)nscopes + 1, sizeof(*c));
			if (!c) {
				err = -ENOMEM;
				goto cleanup;
			}
		}
		c[k].symbol = die_name(&scopes[i]);
		c[k].file = file;
		c[k].line = line;
		call_site(cu, &scopes[i], &file, &line);
		k++;
	}
	if (!k)
		goto cleanup;
	c[k].symbol = outer;
	c[k].file = file;
	c[k].line = line;
	*chain = c;
	*n = k + 1;
	c = NULL;
cleanup:
	free(c);
	free(scopes);
	return err;
}
