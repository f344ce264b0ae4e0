/* The tuning cache: which convolution kernel was measured fastest for a
 * layer on this device, so that a second load costs what a load without
 * measuring does.
 *
 * One text file per device, driver and kernel source, beside the kernel
 * binaries ($XDG_CACHE_HOME/oclresnet/tune-SHA256.txt): a header line,
 * then one "LAYER SIGNATURE<tab>CHOICE" line a layer, CHOICE as
 * ocl_conv_choice_describe () writes it.  A layer's key is its signature
 * and the candidates it was measured among ("SIGNATURE among A; B; C"):
 * a build that lists other candidates for the layer (a new kernel, a rule
 * changed, the same kernel source) measures it again instead of keeping
 * a pick made without them, and an entry can never make the plan run
 * something the rules do not list.  The file is input like any
 * other: a file that is too large, lacks the header or has a malformed
 * line is ignored as a whole, with a warning, and rewritten on the next
 * store.  Writes go to a temporary file renamed over the old one. */
#include <string.h>
#include <glib/gstdio.h>
#include "ocl-private.h"
#include "ocl-kernels.h"

#define HEADER "oclresnet tuning 2"
#define MAX_FILE_BYTES (4 << 20)
/* A line's bound: a signature (18 integers, under 260 characters), eight
 * candidates of under 64 characters each and the pick: under 900. */
#define MAX_LINE 1024

char *
ocl_tune_cache_path (OclContext * ctx)
{
  const char *forced = g_getenv ("OCLRESNET_TUNE_CACHE");
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *name = NULL;

  if (forced && *forced)
    return g_strdup (forced);
  g_checksum_update (sum, (const guchar *) HEADER "\n", -1);
  g_checksum_update (sum, (const guchar *) ctx->cache_tag, -1);
  g_checksum_update (sum, (const guchar *) "\n", 1);
  g_checksum_update (sum, (const guchar *) ocl_kernel_source_conv, -1);
  name = g_strdup_printf ("tune-%s.txt", g_checksum_get_string (sum));
  return g_build_filename (g_get_user_cache_dir (), "oclresnet", name, NULL);
}

/* Why @text is not a tuning file (NULL: it is), its entries into @table. */
static const char *
parse (const char *text, gsize len, GHashTable * table)
{
  g_auto (GStrv) lines = NULL;

  if (len > MAX_FILE_BYTES)
    return "it is too large";
  if (memchr (text, '\0', len))
    return "it holds a NUL byte";
  lines = g_strsplit (text, "\n", -1);
  if (lines[0] == NULL || strcmp (lines[0], HEADER) != 0)
    return "its first line is not '" HEADER "'";
  for (guint i = 1; lines[i]; i++) {
    const char *tab = strchr (lines[i], '\t');
    if (lines[i][0] == '\0')
      continue;
    if (tab == NULL || tab == lines[i] || tab[1] == '\0'
        || strchr (tab + 1, '\t') || strlen (lines[i]) > MAX_LINE
        || !g_utf8_validate (lines[i], -1, NULL))
      return "a line is not 'LAYER<tab>KERNEL'";
    g_hash_table_replace (table, g_strndup (lines[i], tab - lines[i]),
        g_strdup (tab + 1));
  }
  return NULL;
}

/* Loads the file once per context (under ctx->lock). */
static void
load (OclContext * ctx)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const char *why;

  if (ctx->tuned)
    return;
  ctx->tuned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ctx->tune_path = ocl_tune_cache_path (ctx);
  if (!g_file_test (ctx->tune_path, G_FILE_TEST_EXISTS))
    return;
  if (!ocl_file_get_contents (ctx->tune_path, "tuning cache", &text, &len,
          &error)) {
    g_warning ("ignoring the tuning cache: %s", error->message);
    return;
  }
  if ((why = parse (text, len, ctx->tuned))) {
    g_warning ("ignoring the tuning cache '%s': %s; the layers are measured "
        "again", ctx->tune_path, why);
    g_hash_table_remove_all (ctx->tuned);
  }
}

/* "SIGNATURE among A; B; C" */
static char *
entry_key (const char *layer, char *const *choices, guint n)
{
  GString *key = g_string_new (layer);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (key, "%s%s", i ? "; " : " among ", choices[i]);
  return g_string_free (key, FALSE);
}

char *
ocl_tune_lookup (OclContext * ctx, const char *layer, char *const *choices,
    guint n)
{
  g_autofree char *key = entry_key (layer, choices, n);
  char *pick;

  g_mutex_lock (&ctx->lock);
  load (ctx);
  pick = g_strdup (g_hash_table_lookup (ctx->tuned, key));
  g_mutex_unlock (&ctx->lock);
  return pick;
}

void
ocl_tune_store (OclContext * ctx, const char *layer, char *const *choices,
    guint n, const char *choice)
{
  char *key = entry_key (layer, choices, n);

  g_mutex_lock (&ctx->lock);
  load (ctx);
  g_hash_table_replace (ctx->tuned, key, g_strdup (choice));
  ctx->tune_dirty = TRUE;
  g_mutex_unlock (&ctx->lock);
}

void
ocl_tune_save (OclContext * ctx)
{
  g_autoptr (GString) s = g_string_new (HEADER "\n");
  g_autofree char *dir = NULL;
  g_autoptr (GList) keys = NULL;

  g_mutex_lock (&ctx->lock);
  if (!ctx->tuned || !ctx->tune_dirty) {
    g_mutex_unlock (&ctx->lock);
    return;
  }
  keys = g_list_sort (g_hash_table_get_keys (ctx->tuned),
      (GCompareFunc) strcmp);
  for (GList * k = keys; k; k = k->next)
    g_string_append_printf (s, "%s\t%s\n", (const char *) k->data,
        (const char *) g_hash_table_lookup (ctx->tuned, k->data));
  ctx->tune_dirty = FALSE;
  dir = g_path_get_dirname (ctx->tune_path);
  /* g_file_set_contents writes a temporary file and renames it. */
  if (g_mkdir_with_parents (dir, 0755) != 0
      || !g_file_set_contents (ctx->tune_path, s->str, s->len, NULL))
    g_debug ("could not write the tuning cache %s", ctx->tune_path);
  g_mutex_unlock (&ctx->lock);
}

char *
ocl_conv_signature (const OclGraph * g, const OclNode * n)
{
  const OclValue *x = OCL_VALUE (g, n->in[0]);
  const OclValue *y = OCL_VALUE (g, n->out);

  return g_strdup_printf ("conv %dx%d/%dx%d pad %d,%d,%d,%d groups %d "
      "%dx%dx%d -> %dx%dx%d batch %d%s%s%s", n->kh, n->kw, n->sh, n->sw,
      n->pt, n->pl, n->pb, n->pr, MAX (n->group, 1), x->c, x->h, x->w, y->c,
      y->h, y->w, y->n, n->residual >= 0 ? " +res" : "",
      n->relu ? " +relu" : "", n->quant[0] || n->quant[1] ? " +qdq" : "");
}

void
ocl_tune_record_clear (OclTuneRecord * r)
{
  g_free (r->node);
  g_free (r->layer);
  for (guint i = 0; i < r->n; i++)
    g_free (r->choice[i]);
  memset (r, 0, sizeof (*r));
}

/* The first of @r's candidates that fits the device (the rules' pick
 * where it does): what a layer runs in the measurement's configurations
 * it has no candidate for, and what the others are compared with. */
guint
ocl_tune_first_fit (const OclTuneRecord * r)
{
  for (guint i = 0; i < r->n; i++)
    if (r->ms[i] >= 0)
      return i;
  return 0;
}

/* Which candidate of pending layer @j configuration @k of measurement
 * round @round runs: the layer's candidates shifted by an amount that
 * differs between layers and rounds (a multiplicative hash), the first
 * that fits where the shifted index is past the layer's list; *@timed
 * says whether the run times it.  Each round times every candidate that
 * fits once.  With candidate k of every layer in configuration k, a
 * candidate always ran beside its neighbours' k-th candidates and in the
 * k-th run of a round, and whatever that run cost the others rode on all
 * of them.  ResNet-18's picks, checked one layer kind at a time
 * (tests/bench/picks.py, eight runs each on PoCL): in all 3.7 % slower
 * than each kind's fastest (median; 1.3-7.9 %), 11.5 of 16 kinds within
 * 5 %; with the shift 1.7 % (0.1-8.0 %) and 13 (BENCHMARKS.md). */
guint
ocl_tune_config_candidate (const OclTuneRecord * r, guint j, guint round,
    guint k, guint n_configs, gboolean * timed)
{
  const guint shift = ((j + 1) * 2654435761u) ^ (round * 40503u);
  const guint c = (k + shift % n_configs) % n_configs;

  *timed = c < r->n && r->ms[c] >= 0;
  return *timed ? c : ocl_tune_first_fit (r);
}

static double
median_of (double *v, guint n)
{
  for (guint i = 1; i < n; i++)
    for (guint j = i; j > 0 && v[j - 1] > v[j]; j--) {
      const double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The pick of @r from its rounds: the candidate whose time over the first
 * candidate's, round by round, has the lowest median, if that is under
 * the margin; else the first (the rules' pick, or the first that fits).
 * Round by round, because a shared machine's speed moves in phases of
 * seconds (1.5x apart on the 2-vCPU EPYC of BENCHMARKS.md): a round's
 * runs share a phase, while each candidate's fastest round alone came
 * from whichever phase it was lucky in.  The margin keeps close calls
 * with the rules (CIFAR's layers, 40 us each, picked on noise alone were
 * 1 % slower in the network on Intel's runtime).  Also each candidate's
 * median time, for the listings. */
void
ocl_tune_pick (OclTuneRecord * r)
{
  const guint first = ocl_tune_first_fit (r);
  double v[OCL_TUNE_ROUNDS];

  for (guint i = 0; i < r->n; i++) {
    const guint runs = MIN (r->runs[i], OCL_TUNE_ROUNDS);
    guint m = 0;

    r->vs_first[i] = G_MAXDOUBLE;
    if (r->ms[i] < 0 || runs == 0)
      continue;
    memcpy (v, r->round_ms[i], runs * sizeof (double));
    r->ms[i] = median_of (v, runs);
    for (guint k = 0; k < MIN (runs, r->runs[first]); k++)
      if (r->round_ms[first][k] > 0)
        v[m++] = r->round_ms[i][k] / r->round_ms[first][k];
    if (m > 0)
      r->vs_first[i] = median_of (v, m);
  }
  r->pick = first;
  for (guint i = 0; i < r->n; i++)
    if (i != first && r->vs_first[i] < OCL_TUNE_MARGIN
        && r->vs_first[i] < r->vs_first[r->pick])
      r->pick = i;
}
