package decode

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// Schema is a schema the registry holds: its type and text, and the texts of the schemas
// it references (named types it uses), referenced ones first.
type Schema struct {
	Type       sr.SchemaType
	Text       string
	References []string
}

// Registry gives the schema of an id. Schema returns an *Error with reason
// unknown_schema when the registry does not know the id, and an *UnavailableError when
// it gives no usable answer.
type Registry interface {
	Schema(ctx context.Context, id uint32) (Schema, error)
}

// RegistryConfig is how to reach a Confluent-compatible schema registry.
type RegistryConfig struct {
	URL      string        // Required. http or https, without credentials.
	Username string        // Optional: HTTP basic authentication.
	Password string        // With Username.
	Timeout  time.Duration // Of each request. Default 5s.
	// HTTPClient, optional, is the client to use; its Timeout is set to Timeout.
	HTTPClient *http.Client
}

// srRegistry is a Registry over the Confluent REST API (github.com/twmb/franz-go/pkg/sr):
// GET /schemas/ids/{id}, and GET /subjects/{subject}/versions/{version} for references.
type srRegistry struct {
	cl *sr.Client
}

// NewRegistry returns a Registry that asks the registry at cfg.URL.
func NewRegistry(cfg RegistryConfig) (Registry, error) {
	if cfg.URL == "" {
		return nil, errors.New("decode: the schema registry's URL is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	hc.Timeout = cfg.Timeout
	opts := []sr.ClientOpt{sr.URLs(cfg.URL), sr.HTTPClient(hc), sr.UserAgent("kafka-ometria")}
	if cfg.Username != "" {
		opts = append(opts, sr.BasicAuth(cfg.Username, cfg.Password))
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &srRegistry{cl: cl}, nil
}

// maxReferenceDepth bounds how deep references may nest (a cycle would never end).
const maxReferenceDepth = 16

func (r *srRegistry) Schema(ctx context.Context, id uint32) (Schema, error) {
	s, err := r.cl.SchemaByID(ctx, int(id))
	if err != nil {
		return Schema{}, classify(id, err)
	}
	out := Schema{Type: s.Type, Text: s.Schema}
	seen := map[string]bool{}
	if err := r.references(ctx, id, s.References, &out.References, seen, 0); err != nil {
		return Schema{}, err
	}
	return out, nil
}

// references appends the texts of refs, each after those it references itself.
func (r *srRegistry) references(ctx context.Context, id uint32, refs []sr.SchemaReference, out *[]string, seen map[string]bool, depth int) error {
	if len(refs) > 0 && depth >= maxReferenceDepth {
		return fail(mapper.ReasonUnsupportedSchema, "schema id %d: references nest deeper than %d", id, maxReferenceDepth)
	}
	for _, ref := range refs {
		key := fmt.Sprintf("%s/%d", ref.Subject, ref.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		s, err := r.cl.SchemaByVersion(ctx, ref.Subject, ref.Version)
		if err != nil {
			err = classify(id, err)
			var e *Error
			if errors.As(err, &e) {
				e.Msg = fmt.Sprintf("schema id %d references %s version %d, which the registry does not have", id, ref.Subject, ref.Version)
			}
			return err
		}
		if err := r.references(ctx, id, s.References, out, seen, depth+1); err != nil {
			return err
		}
		*out = append(*out, s.Schema.Schema)
	}
	return nil
}

// classify turns an error of the registry client into an *Error (the registry does not
// know the id: 404 with error_code 40403, or 40401/40402 for a reference) or an
// *UnavailableError (everything else: no answer, 5xx, 401/403, a 404 that is not the
// registry's, such as a wrong URL path behind a proxy).
func classify(id uint32, err error) error {
	var re *sr.ResponseError
	if !errors.As(err, &re) {
		return &UnavailableError{ID: id, Err: err}
	}
	if re.StatusCode == http.StatusNotFound {
		switch re.ErrorCode {
		case sr.ErrSchemaNotFound.Code, sr.ErrSubjectNotFound.Code, sr.ErrVersionNotFound.Code:
			return fail(mapper.ReasonUnknownSchema, "the schema registry has no schema with id %d", id)
		}
	}
	msg := re.Message
	if msg == "" {
		msg = string(re.Raw)
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return &UnavailableError{ID: id, Status: re.StatusCode,
		Unauthorized: re.StatusCode == http.StatusUnauthorized || re.StatusCode == http.StatusForbidden,
		Err:          errors.New(msg)}
}
