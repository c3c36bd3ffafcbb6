package ometriatest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

func ExampleNewServer() {
	srv := ometriatest.NewServer(ometriatest.Config{}, ometriatest.Account{Name: "acme", Key: "secret"})
	defer srv.Close()

	body := `[{"@type":"contact","id":"c1","email":"ann@example.com"},{"@type":"contact","id":"c2","gender":"x"}]`
	req, _ := http.NewRequest("POST", srv.URL()+"/push", strings.NewReader(body))
	req.Header.Set("X-Ometria-Auth", "secret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	fmt.Println(resp.StatusCode)
	for _, r := range srv.Records("acme") {
		fmt.Println(string(r.JSON))
	}
	for _, e := range srv.Rejections("acme") {
		fmt.Println(e.RecordID, e.ErrorPath)
	}
	// Output:
	// 200
	// {"@type":"contact","email":"ann@example.com","id":"c1"}
	// c2 root > gender
}
