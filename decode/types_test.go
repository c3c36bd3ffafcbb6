package decode

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"
)

// TestAvroTypes decodes one value of every Avro type and logical type kafka-ometria
// writes as JSON.
func TestAvroTypes(t *testing.T) {
	const schema = `{"type":"record","name":"All","namespace":"t","fields":[
	 {"name":"b","type":"boolean"},
	 {"name":"i","type":"int"},
	 {"name":"l","type":"long"},
	 {"name":"f","type":"float"},
	 {"name":"d","type":"double"},
	 {"name":"tiny","type":"double"},
	 {"name":"big","type":"double"},
	 {"name":"s","type":"string"},
	 {"name":"by","type":"bytes"},
	 {"name":"e","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
	 {"name":"fx","type":{"type":"fixed","name":"Two","size":2}},
	 {"name":"arr","type":{"type":"array","items":"long"}},
	 {"name":"m","type":{"type":"map","values":["null","string","double"]}},
	 {"name":"rec","type":{"type":"record","name":"In","fields":[{"name":"x","type":["null","In"],"default":null}]}},
	 {"name":"u","type":["null","string","long"]},
	 {"name":"n","type":["null","string"]},
	 {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
	 {"name":"date","type":{"type":"int","logicalType":"date"}},
	 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
	 {"name":"tsu","type":{"type":"long","logicalType":"timestamp-micros"}},
	 {"name":"js","type":{"type":"string","connect.name":"io.debezium.data.Json"}},
	 {"name":"any","type":{"type":"map","values":{"type":"record","name":"Json","namespace":"org.apache.avro.data","fields":[
	   {"name":"value","type":["long","double","string","boolean","null",{"type":"array","items":"Json"},{"type":"map","values":"Json"}]}]}}}
	]}`
	f := newFakeRegistry(t)
	f.add(1, "", schema)
	d := newTestDecoder(t, f)
	dbl := func(x float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(x)) }
	payload := cat(
		[]byte{1},         // b
		zz(-7),            // i
		zz(math.MaxInt64), // l
		binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.5)), // f
		dbl(19.99),                  // d
		dbl(1e-7),                   // tiny
		dbl(1e21),                   // big
		str("é \"q\" \n\x01"),       // s
		str("a\xff"),                // by
		zz(1),                       // e
		[]byte{0, 'z'},              // fx
		zz(2), zz(1), zz(-2), zz(0), // arr
		zz(-2), zz(20), str("k1"), zz(1), str("v"), str("k2"), zz(0), zz(0), // m: a block of 2 with its size
		zz(1), zz(0), // rec: x = In{x: null}
		zz(2), zz(5), // u: long 5
		zz(0),                                                                                                                                     // n: null
		str("\xfb\x2e"),                                                                                                                           // dec: -1234 scale 2
		zz(19844),                                                                                                                                 // date
		zz(1714550400115),                                                                                                                         // ts
		zz(1714550400115123),                                                                                                                      // tsu
		str(`{"a":[1,2]}`),                                                                                                                        // js
		zz(2), str("x"), zz(5), zz(1), zz(3), []byte{1}, zz(0), str("y"), zz(6), zz(1), str("z"), zz(5), zz(1), zz(0), zz(1), zz(0), zz(0), zz(0), // any
	)
	got, err := d.Decode(context.Background(), Avro, frame(1, payload...), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"b":true,"i":-7,"l":9223372036854775807,"f":1.5,"d":19.99,"tiny":1e-7,"big":1e+21,` +
		`"s":"é \"q\" \n\u0001","by":"aÿ","e":"GREEN","fx":"\u0000z","arr":[1,-2],"m":{"k1":"v","k2":null},` +
		`"rec":{"x":{}},"u":5,"dec":-12.34,"date":"2024-05-01","ts":"2024-05-01T08:00:00.115Z",` +
		`"tsu":"2024-05-01T08:00:00.115123Z","js":{"a":[1,2]},"any":{"x":[true],"y":{"z":[1]}}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !json.Valid(got) {
		t.Error("not valid JSON")
	}
}
