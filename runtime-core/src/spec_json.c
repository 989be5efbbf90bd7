/* JSON access for the spec parser: typed getters that name the JSON path of
 * a bad value.  The getters return -1 on error, 0 when absent, 1 when
 * present. */
#include "spec_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *spec_at_key(char *buf, const char *base, const char *key)
{
  snprintf(buf, NSRT_ERR_STEP_MAX, "%s%s%s", base, base[0] ? "." : "", key);
  return buf;
}

const char *spec_at_index(char *buf, const char *base, size_t i)
{
  snprintf(buf, NSRT_ERR_STEP_MAX, "%s[%zu]", base, i);
  return buf;
}

/* JSON null counts as absent, as it does for the Go bindings of the spec. */
bool spec_absent(const json_t *v)
{
  return !v || json_is_null(v);
}

static const char *describe(const json_t *v, char *buf, size_t len)
{
  switch (json_typeof(v)) {
  case JSON_STRING:
    snprintf(buf, len, "\"%s\"", json_string_value(v));
    break;
  case JSON_INTEGER:
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    break;
  case JSON_REAL:
    snprintf(buf, len, "%g", json_real_value(v));
    break;
  case JSON_OBJECT:
    snprintf(buf, len, "an object");
    break;
  case JSON_ARRAY:
    snprintf(buf, len, "an array");
    break;
  case JSON_TRUE:
    snprintf(buf, len, "true");
    break;
  case JSON_FALSE:
    snprintf(buf, len, "false");
    break;
  default:
    snprintf(buf, len, "null");
    break;
  }
  return buf;
}

int spec_type_error(const json_t *v, const char *path, const char *expected, struct nsrt_err *err)
{
  char got[80];
  return SPEC_FAIL(err, path, "expected %s, got %s", expected, describe(v, got, sizeof(got)));
}

int spec_missing(const char *path, struct nsrt_err *err)
{
  return SPEC_FAIL(err, path, "required field is missing");
}

int spec_get_string(const json_t *v, const char *path, bool required, const char **out,
                    struct nsrt_err *err)
{
  *out = NULL;
  if (spec_absent(v))
    return required ? spec_missing(path, err) : 0;
  if (!json_is_string(v))
    return spec_type_error(v, path, "a string", err);
  *out = json_string_value(v);
  return 1;
}

int spec_get_bool(const json_t *v, const char *path, bool *out, struct nsrt_err *err)
{
  if (spec_absent(v))
    return 0;
  if (!json_is_boolean(v))
    return spec_type_error(v, path, "a boolean", err);
  *out = json_is_true(v);
  return 1;
}

/* An integer in [min, max]; what names the expected type in errors. */
int spec_get_integer(const json_t *v, const char *path, bool required, long long min, long long max,
                     const char *what, long long *out, struct nsrt_err *err)
{
  if (spec_absent(v))
    return required ? spec_missing(path, err) : 0;
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
    return spec_type_error(v, path, what, err);
  *out = json_integer_value(v);
  return 1;
}

int spec_get_u32(const json_t *v, const char *path, bool required, uint32_t *out,
                 struct nsrt_err *err)
{
  long long n = 0;
  int ret =
      spec_get_integer(v, path, required, 0, UINT32_MAX, "an unsigned 32-bit integer", &n, err);
  if (ret > 0)
    *out = (uint32_t)n;
  return ret;
}

/* jansson integers are signed 64-bit, so values above INT64_MAX cannot reach here. */
int spec_get_u64(const json_t *v, const char *path, bool required, uint64_t *out,
                 struct nsrt_err *err)
{
  long long n = 0;
  int ret =
      spec_get_integer(v, path, required, 0, LLONG_MAX, "an unsigned 64-bit integer", &n, err);
  if (ret > 0)
    *out = (uint64_t)n;
  return ret;
}

int spec_get_object(const json_t *v, const char *path, bool required, json_t **out,
                    struct nsrt_err *err)
{
  *out = NULL;
  if (spec_absent(v))
    return required ? spec_missing(path, err) : 0;
  if (!json_is_object(v))
    return spec_type_error(v, path, "an object", err);
  *out = (json_t *)v;
  return 1;
}

int spec_get_array(const json_t *v, const char *path, bool required, json_t **out,
                   struct nsrt_err *err)
{
  *out = NULL;
  if (spec_absent(v))
    return required ? spec_missing(path, err) : 0;
  if (!json_is_array(v))
    return spec_type_error(v, path, "an array", err);
  *out = (json_t *)v;
  return 1;
}

int spec_out_of_memory(const char *path, struct nsrt_err *err)
{
  return nsrt_fail_at(err, "spec", ENOMEM, path, "out of memory");
}

int spec_copy_string(const char *s, char **out, const char *path, struct nsrt_err *err)
{
  *out = strdup(s);
  return *out ? 0 : spec_out_of_memory(path, err);
}

/* calloc that never asks for 0 bytes, so an empty array is still a valid pointer. */
void *spec_alloc_array(size_t n, size_t size)
{
  return calloc(n ? n : 1, size);
}

void spec_strv_free(char **v)
{
  if (!v)
    return;
  for (char **s = v; *s; s++)
    free(*s);
  free(v);
}

int spec_check_string(const char *s, enum str_check check, const char *path, struct nsrt_err *err)
{
  if (check == STR_ABSOLUTE && s[0] != '/')
    return SPEC_FAIL(err, path, "\"%s\" is not an absolute path", s);
  if (check == STR_ENV && (s[0] == '=' || !strchr(s, '=')))
    return SPEC_FAIL(err, path, "\"%s\" is not of the form NAME=value", s);
  return 0;
}

/* An array of strings into a NULL-terminated vector.  *out is set before the
 * elements are filled, so the caller's plan owns the vector on every path. */
int spec_get_string_array(const json_t *v, const char *path, enum str_check check, char ***out,
                          struct nsrt_err *err)
{
  json_t *arr;
  int ret = spec_get_array(v, path, false, &arr, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size(arr);
  *out = calloc(n + 1, sizeof(char *));
  if (!*out)
    return spec_out_of_memory(path, err);
  for (size_t i = 0; i < n; i++) {
    json_path p;
    const char *s;
    spec_at_index(p, path, i);
    if (spec_get_string(json_array_get(arr, i), p, true, &s, err) < 0 ||
        spec_check_string(s, check, p, err) < 0 || spec_copy_string(s, &(*out)[i], p, err) < 0)
      return -1;
  }
  return 1;
}
