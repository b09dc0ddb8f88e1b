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

/* The declaration line of the function holding pc, searched from scope (a CU, namespace or
 * class): libdw's scopes of inlined code may stop short of the function it sits in. */
static int start_line_of(Dwarf_Die *scope, Dwarf_Addr pc)
{
	Dwarf_Die child;
	int line = 0;

	if (dwarf_child(scope, &child))
		return 0;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			if (dwarf_haspc(&child, pc) > 0 && !dwarf_decl_line(&child, &line))
				return line;
			break;
		case DW_TAG_namespace:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
			line = start_line_of(&child, pc);
			if (line)
				return line;
			break;
		default:
			break;
		}
	} while (!dwarf_siblingof(&child, &child));
	return 0;
}

struct lt_sym_inline *lt_inline__add(Dwfl_Module *mod, Dwarf_Addr pc, struct lt_sym *out)
{
	const char *file = out->file;
	int line = out->line, nscopes, i;
	Dwarf_Die *cu, *scopes = NULL;
	struct lt_sym_inline *c = NULL;
	Dwarf_Addr bias = 0;
	__u32 k = 0;

	out->inl = NULL;
	out->ninl = 0;
	out->start_line = 0;
	cu = dwfl_module_addrdie(mod, pc, &bias);
	if (!cu)
		return NULL;
	nscopes = dwarf_getscopes(cu, pc - bias, &scopes);
	/* inlined scopes (lexical blocks between them) up to the real function */
	for (i = 0; i < nscopes && dwarf_tag(&scopes[i]) != DW_TAG_subprogram; i++) {
		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		/* every inlined scope, and the function they sit in */
		if (!c && !(c = calloc((size_t)nscopes + 1, sizeof(*c))))
			goto cleanup;
		c[k].symbol = die_name(&scopes[i]);
		c[k].file = file;
		c[k].line = line;
		dwarf_decl_line(&scopes[i], &c[k].start_line);
		call_site(cu, &scopes[i], &file, &line);
		k++;
	}
	if (i < nscopes && dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
		dwarf_decl_line(&scopes[i], &out->start_line);
	else
		out->start_line = start_line_of(cu, pc - bias);
	if (!k)
		goto cleanup;
	c[k].symbol = out->symbol;
	c[k].file = file;
	c[k].line = line;
	c[k].start_line = out->start_line;
	out->inl = c;
	out->ninl = k + 1;
cleanup:
	free(scopes);
	if (!out->inl) {
		free(c);
		c = NULL;
	}
	return c;
}
