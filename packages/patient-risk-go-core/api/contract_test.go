package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/risk"
)

// The contract tests walk the JSON schemas in contracts/ and compare them with
// the Go types field by field, so that a rename, a new field, a type change or
// a new enum value on either side fails here instead of in production.

// repoRoot is the repository root seen from this package's directory.
const repoRoot = "../../.."

// requireContractsEnv makes a missing contract file a failure instead of a
// skip; mk/operator.mk sets it, so CI cannot silently skip the check.
const requireContractsEnv = "PATIENT_RISK_REQUIRE_CONTRACTS"

func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatalf("reading %s from the repository root: %v", rel, err)
	}
	return data
}

// loadContract reads a JSON or YAML contract into generic JSON values. A
// missing file skips the test unless PATIENT_RISK_REQUIRE_CONTRACTS=1.
func loadContract(t *testing.T, rel string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if errors.Is(err, fs.ErrNotExist) && os.Getenv(requireContractsEnv) != "1" {
		t.Skipf("%s is not in this checkout (set %s=1 to make this a failure)", rel, requireContractsEnv)
	}
	if err != nil {
		t.Fatalf("reading %s: %v", rel, err)
	}
	if strings.HasSuffix(rel, ".yaml") || strings.HasSuffix(rel, ".yml") {
		if data, err = yaml.YAMLToJSON(data); err != nil {
			t.Fatalf("%s is not valid YAML: %v", rel, err)
		}
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s is not valid JSON: %v", rel, err)
	}
	return doc
}

// checker compares Go types with schemas of one document, collecting every
// difference with the JSON path where it was found.
type checker struct {
	file     string
	doc      map[string]any
	problems []string
}

func (c *checker) problemf(path, format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf("%s: %s: %s", c.file, path, fmt.Sprintf(format, args...)))
}

// resolve follows "$ref" (local "#/..." pointers), merges "allOf" and
// unwraps "anyOf"/"oneOf" whose only non-null branch is one schema.
func (c *checker) resolve(path string, s map[string]any) (map[string]any, bool) {
	for depth := 0; depth < 32; depth++ {
		if ref, ok := s["$ref"].(string); ok {
			target, err := c.pointer(ref)
			if err != nil {
				c.problemf(path, "%v", err)
				return nil, false
			}
			merged := map[string]any{}
			for k, v := range target {
				merged[k] = v
			}
			for k, v := range s { // siblings of $ref (description, ...) win
				if k != "$ref" {
					merged[k] = v
				}
			}
			s = merged
			continue
		}
		if all, ok := s["allOf"].([]any); ok {
			merged := map[string]any{}
			props := map[string]any{}
			var required []any
			for i, part := range all {
				p, ok := c.resolve(fmt.Sprintf("%s.allOf[%d]", path, i), asMap(part))
				if !ok {
					return nil, false
				}
				for k, v := range p {
					merged[k] = v
				}
				for k, v := range asMap(p["properties"]) {
					props[k] = v
				}
				required = append(required, asSlice(p["required"])...)
			}
			for k, v := range s {
				if k != "allOf" {
					merged[k] = v
				}
			}
			if len(props) > 0 {
				merged["properties"] = props
				merged["required"] = required
			}
			s = merged
			continue
		}
		for _, key := range []string{"anyOf", "oneOf"} {
			branches, ok := s[key].([]any)
			if !ok {
				continue
			}
			var nonNull []map[string]any
			for _, b := range branches {
				if bm := asMap(b); !isNullSchema(bm) {
					nonNull = append(nonNull, bm)
				}
			}
			if len(nonNull) != 1 {
				c.problemf(path, "%s with %d non-null branches cannot map onto one Go type", key, len(nonNull))
				return nil, false
			}
			merged := map[string]any{}
			for k, v := range s {
				if k != key {
					merged[k] = v
				}
			}
			for k, v := range nonNull[0] {
				merged[k] = v
			}
			s = merged
		}
		if _, more := s["$ref"]; !more {
			if _, more = s["allOf"]; !more {
				return s, true
			}
		}
	}
	c.problemf(path, "$ref/allOf nesting too deep (a cycle?)")
	return nil, false
}

func (c *checker) pointer(ref string) (map[string]any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("only local $ref pointers are supported, got %q", ref)
	}
	var cur any = c.doc
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok || m[part] == nil {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
		cur = m[part]
	}
	return asMap(cur), nil
}

func isNullSchema(s map[string]any) bool {
	types := schemaTypes(s)
	return len(types) == 1 && types[0] == "null"
}

// schemaTypes returns the schema's non-null "type" values.
func schemaTypes(s map[string]any) []string {
	var out []string
	switch v := s["type"].(type) {
	case string:
		out = []string{v}
	case []any:
		for _, x := range v {
			if str, ok := x.(string); ok {
				out = append(out, str)
			}
		}
	}
	if len(out) > 1 {
		out = slices.DeleteFunc(out, func(s string) bool { return s == "null" })
	}
	return out
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	levelType = reflect.TypeOf(risk.Level(0))
	rawType   = reflect.TypeOf(json.RawMessage(nil))
)

// compare checks Go type typ against schema s found at path. strict adds the
// request-side rule: a required property must not be omitempty and an
// optional one must be (so a Go client never sends a field the API forbids
// nor drops one it needs).
func (c *checker) compare(path string, typ reflect.Type, s map[string]any, strict bool) {
	s, ok := c.resolve(path, s)
	if !ok {
		return
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	types := schemaTypes(s)
	want := func(allowed ...string) {
		if len(types) == 0 {
			return // an untyped schema accepts anything
		}
		for _, t := range types {
			if !slices.Contains(allowed, t) {
				c.problemf(path, "schema type %v does not fit Go type %v (want %v)", types, typ, allowed)
				return
			}
		}
	}
	switch {
	case typ == rawType:
		return
	case typ == timeType:
		want("string")
		if f, _ := s["format"].(string); f != "date-time" {
			c.problemf(path, "Go type is time.Time but the schema's format is %q, not date-time", f)
		}
	case typ == levelType:
		want("string")
		var enum []string
		for _, v := range asSlice(s["enum"]) {
			enum = append(enum, fmt.Sprint(v))
		}
		if !slices.Equal(enum, risk.LevelNames()) {
			c.problemf(path, "risk level enum is %v in the schema but %v in package risk", enum, risk.LevelNames())
		}
	case typ.Kind() == reflect.Struct:
		want("object")
		c.compareObject(path, typ, s, strict)
	case typ.Kind() == reflect.Slice:
		want("array")
		items := asMap(s["items"])
		if items == nil {
			c.problemf(path, "array schema has no items")
			return
		}
		c.compare(path+"[]", typ.Elem(), items, strict)
	case typ.Kind() == reflect.Map:
		want("object")
	case typ.Kind() == reflect.String:
		want("string")
	case typ.Kind() == reflect.Bool:
		want("boolean")
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Uint64:
		want("integer")
	case typ.Kind() == reflect.Float32 || typ.Kind() == reflect.Float64:
		want("number", "integer")
	default:
		c.problemf(path, "no rule for Go type %v", typ)
	}
}

func (c *checker) compareObject(path string, typ reflect.Type, s map[string]any, strict bool) {
	props := asMap(s["properties"])
	if props == nil {
		c.problemf(path, "schema has no properties but Go type %v is a struct", typ)
		return
	}
	required := map[string]bool{}
	for _, r := range asSlice(s["required"]) {
		required[fmt.Sprint(r)] = true
	}
	goFields := map[string]bool{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			c.problemf(path, "Go field %s.%s has no json name", typ.Name(), f.Name)
			continue
		}
		goFields[name] = true
		fieldPath := path + "." + name
		ps, ok := props[name]
		if !ok {
			c.problemf(fieldPath, "Go field %s.%s is not in the schema (removed or renamed there?)", typ.Name(), f.Name)
			continue
		}
		omitempty := strings.Contains(","+opts+",", ",omitempty,")
		if strict && required[name] && omitempty {
			c.problemf(fieldPath, "required by the schema but omitempty in Go (%s.%s)", typ.Name(), f.Name)
		}
		if strict && !required[name] && !omitempty {
			c.problemf(fieldPath, "optional in the schema but always sent by Go: add omitempty to %s.%s", typ.Name(), f.Name)
		}
		c.compare(fieldPath, f.Type, asMap(ps), strict)
	}
	var missing []string
	for name := range props {
		if !goFields[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		c.problemf(path+"."+name, "in the schema but Go type %v has no field for it", typ)
	}
}

func (c *checker) report(t *testing.T) {
	t.Helper()
	if len(c.problems) > 0 {
		t.Errorf("Go types in packages/patient-risk-go-core/api drifted from %s; update whichever side is wrong:\n  %s",
			c.file, strings.Join(c.problems, "\n  "))
	}
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asSlice(v any) []any        { s, _ := v.([]any); return s }

func TestSignalPacketMatchesJSONSchema(t *testing.T) {
	const file = "contracts/signal-packet.schema.json"
	c := &checker{file: file, doc: loadContract(t, file)}
	c.compare("$", reflect.TypeOf(SignalPacket{}), c.doc, true)
	c.report(t)
	// The consciousness enum is a plain string in Go; compare the values.
	// null in the enum means "not observed": Go sends nothing (omitempty).
	enum := slices.DeleteFunc(asSlice(asMap(asMap(c.doc["properties"])["consciousness"])["enum"]), func(v any) bool { return v == nil })
	got := fmt.Sprint(enum)
	if want := fmt.Sprint([]any{ConsciousnessAlert, ConsciousnessCVPU}); got != want {
		t.Errorf("%s: consciousness enum is %s, Go constants are %s", file, got, want)
	}
}

// operationBodies maps each documented operation to the Go type of its JSON
// body. Path templates are compared with parameter names ignored.
var operationBodies = []struct {
	method, path, body string // body: "request" or a status code
	goType             any
	strict             bool
}{
	{"post", "/v1/signal-packets", "request", SignalPacket{}, true},
	{"post", "/v1/signal-packets", "201", Assessment{}, false},
	{"post", "/v1/signal-packets", "200", Assessment{}, false},
	{"post", "/v1/signal-packets", "422", Problem{}, false},
	{"get", "/v1/patients", "200", PatientList{}, false},
	{"get", "/v1/patients/{}", "200", PatientSummary{}, false},
	{"get", "/v1/patients/{}", "404", Problem{}, false},
	{"get", "/v1/patients/{}/risk", "200", RiskSnapshot{}, false},
	{"get", "/v1/patients/{}/assessments", "200", AssessmentList{}, false},
	{"get", "/healthz", "200", Health{}, false},
	{"get", "/readyz", "200", Readiness{}, false},
	{"get", "/readyz", "503", Readiness{}, false},
}

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

func TestAPITypesMatchOpenAPI(t *testing.T) {
	const file = "contracts/openapi.yaml"
	c := &checker{file: file, doc: loadContract(t, file)}
	paths := map[string]map[string]any{}
	for p, item := range asMap(c.doc["paths"]) {
		paths[pathParam.ReplaceAllString(p, "{}")] = asMap(item)
	}
	for _, op := range operationBodies {
		where := fmt.Sprintf("%s %s %s", strings.ToUpper(op.method), op.path, op.body)
		operation := asMap(paths[op.path][op.method])
		if operation == nil {
			c.problemf(where, "operation is not documented")
			continue
		}
		var holder map[string]any
		if op.body == "request" {
			holder = asMap(operation["requestBody"])
		} else {
			holder = asMap(asMap(operation["responses"])[op.body])
		}
		if ref, ok := holder["$ref"].(string); ok {
			var err error
			if holder, err = c.pointer(ref); err != nil {
				c.problemf(where, "%v", err)
				continue
			}
		}
		schema := jsonSchemaOf(holder)
		if schema == nil {
			c.problemf(where, "has no JSON body schema")
			continue
		}
		c.compare(where, reflect.TypeOf(op.goType), schema, op.strict)
	}
	c.report(t)
}

// TestRiskChangedEventMatchesOpenAPI checks the server-sent event payload,
// which OpenAPI documents as a component rather than as a JSON body.
func TestRiskChangedEventMatchesOpenAPI(t *testing.T) {
	const file = "contracts/openapi.yaml"
	c := &checker{file: file, doc: loadContract(t, file)}
	schemas := asMap(asMap(c.doc["components"])["schemas"])
	const name = "RiskChangedEvent"
	s := asMap(schemas[name])
	if s == nil {
		var names []string
		for n := range schemas {
			names = append(names, n)
		}
		sort.Strings(names)
		t.Fatalf("%s: components.schemas has no %s (the data of the risk-changed event); it has %v", file, name, names)
	}
	c.compare("components.schemas."+name, reflect.TypeOf(RiskChangedEvent{}), s, false)
	c.report(t)
}

// jsonSchemaOf returns the schema of the first JSON media type
// (application/json, application/problem+json, ...) of a request body or
// response object.
func jsonSchemaOf(holder map[string]any) map[string]any {
	content := asMap(holder["content"])
	var types []string
	for mt := range content {
		types = append(types, mt)
	}
	sort.Strings(types)
	for _, mt := range types {
		if mt == "application/json" || strings.HasSuffix(mt, "+json") {
			return asMap(asMap(content[mt])["schema"])
		}
	}
	return nil
}

// TestCheckerCatchesDrift proves the checker fails on the kinds of drift it
// exists for, using small in-memory schemas.
func TestCheckerCatchesDrift(t *testing.T) {
	type sample struct {
		Name  string       `json:"name"`
		Level risk.Level   `json:"level"`
		When  time.Time    `json:"when"`
		Count *int         `json:"count,omitempty"`
		Items []FieldError `json:"items"`
	}
	good := `{"type":"object","required":["name","level","when","items"],"properties":{
	  "name":{"type":"string"},
	  "level":{"$ref":"#/$defs/Level"},
	  "when":{"type":"string","format":"date-time"},
	  "count":{"anyOf":[{"type":"integer"},{"type":"null"}]},
	  "items":{"type":"array","items":{"allOf":[{"$ref":"#/$defs/FE"}]}}},
	 "$defs":{"Level":{"type":"string","enum":["low","medium","high"]},
	  "FE":{"type":"object","required":["field","message"],"properties":{"field":{"type":"string"},"message":{"type":"string"}}}}}`
	run := func(schema string) []string {
		var doc map[string]any
		if err := json.Unmarshal([]byte(schema), &doc); err != nil {
			t.Fatal(err)
		}
		c := &checker{file: "inline", doc: doc}
		c.compare("$", reflect.TypeOf(sample{}), doc, true)
		return c.problems
	}
	if p := run(good); len(p) != 0 {
		t.Fatalf("matching schema reported drift: %v", p)
	}
	drifts := map[string]string{
		"renamed field":     strings.Replace(good, `"name":{"type"`, `"full_name":{"type"`, 1),
		"new enum value":    strings.Replace(good, `"high"]`, `"high","critical"]`, 1),
		"type change":       strings.Replace(good, `"count":{"anyOf":[{"type":"integer"}`, `"count":{"anyOf":[{"type":"string"}`, 1),
		"not date-time":     strings.Replace(good, `"format":"date-time"`, `"format":"date"`, 1),
		"nested new field":  strings.Replace(good, `"message":{"type":"string"}`, `"message":{"type":"string"},"code":{"type":"string"}`, 1),
		"required optional": strings.Replace(good, `"required":["name",`, `"required":["count","name",`, 1),
		"optional required": strings.Replace(good, `"required":["name",`, `"required":[`, 1),
		"dangling ref":      strings.Replace(good, `"#/$defs/Level"`, `"#/$defs/Nope"`, 1),
	}
	for what, schema := range drifts {
		if schema == good {
			t.Fatalf("%s: the replacement did not apply", what)
		}
		if p := run(schema); len(p) == 0 {
			t.Errorf("%s: not reported", what)
		}
	}
}
