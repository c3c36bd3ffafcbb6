package mapper

import "testing"

func TestAppendTimestamp(t *testing.T) {
	for in, want := range map[string]string{
		"2024-05-01T08:00:00Z":              "2024-05-01T08:00:00Z",
		"2024-05-01T08:00:00.143Z":          "2024-05-01T08:00:00.143Z",
		"2024-05-01t08:00:00z":              "2024-05-01T08:00:00Z",
		"2024-05-01 08:00:00+01:00":         "2024-05-01T08:00:00+01:00",
		"2024-05-01T08:00:00+0130":          "2024-05-01T08:00:00+01:30",
		"2024-05-01T08:00:00-05":            "2024-05-01T08:00:00-05:00",
		"2024-05-01T08:00Z":                 "2024-05-01T08:00:00Z",
		"2024-05-01T08:00:00,5+00:00":       "2024-05-01T08:00:00.5+00:00",
		"2024-05-01T08:00:00.123456789123Z": "2024-05-01T08:00:00.123456789Z",
		"2024-02-29T00:00:00Z":              "2024-02-29T00:00:00Z",
		"2000-02-29T00:00:00Z":              "2000-02-29T00:00:00Z",
	} {
		got, ok := appendTimestamp(nil, []byte(in))
		if !ok || string(got) != want {
			t.Errorf("appendTimestamp(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{
		"", "2024-05-01", "2024-05-01T08:00:00", "2024-13-01T08:00:00Z", "2024-02-30T08:00:00Z",
		"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T08:60:00Z", "2024-05-01T08:00:61Z",
		"2024-05-01T08:00:00.Z", "2024-05-01T08:00:00+24:00", "2024-05-01T08:00:00+01:60", "2024-05-01T08:00:00+1",
		"2024-05-01T08:00:00Zjunk", "2024/05/01T08:00:00Z", "1714550400", "2024-05-01T08:00:00 +01:00", "2024-05-01T08:00:00+01-00",
	} {
		if got, ok := appendTimestamp(nil, []byte(in)); ok {
			t.Errorf("appendTimestamp(%q) = %q, want rejection", in, got)
		}
	}
}

func TestAppendDate(t *testing.T) {
	for in, want := range map[string]string{"1990-02-28": "1990-02-28", "1990-02-28T23:00:00-01:00": "1990-02-28"} {
		if got, ok := appendDate(nil, []byte(in)); !ok || string(got) != want {
			t.Errorf("appendDate(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"1990-2-28", "28/02/1990", "1990-02-28T", "1990-02-28X"} {
		if _, ok := appendDate(nil, []byte(in)); ok {
			t.Errorf("appendDate(%q) accepted", in)
		}
	}
}
