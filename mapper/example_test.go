package mapper_test

import (
	"fmt"

	"github.com/kafka-ometria/kafka-ometria/mapper"
)

func ExampleMapper_Map() {
	acct, err := mapper.NewAccount(mapper.Settings{Name: "acme", PhoneRegion: "GB"})
	if err != nil {
		panic(err)
	}
	var m mapper.Mapper // one per goroutine
	events := []string{
		`{"type":"identify","userId":"u1","traits":{"listingId":"l1","email":"ada@example.com","name":"Ada Lovelace","phone":"07911 123456","plan":"gold"}}`,
		`{"type":"track","event":"Order Completed","userId":"u1","timestamp":"2024-05-01T08:00:00Z","traits":{"email":"ada@example.com"},"properties":{"order_id":"o1","total":9.5,"currency":"XYZ"}}`,
		`{"type":"page","name":"Home"}`,
	}
	for _, e := range events {
		for _, o := range m.Map([]byte(e), acct) {
			switch o.Kind {
			case mapper.Mapped:
				fmt.Printf("%s %s: %s\n", o.Record.Type, o.Record.ID, o.Record.JSON)
			case mapper.DeadLetter:
				fmt.Println("dead letter:", o.Err.Reason, "-", o.Err)
			case mapper.Skipped:
				fmt.Println("skipped:", o.Skip)
			}
		}
	}
	// Output:
	// contact l1: {"@type":"contact","id":"l1","email":"ada@example.com","customer_id":"u1","firstname":"Ada","lastname":"Lovelace","phone_number":"+447911123456","marketing_optin":"EXPLICITLY_OPTEDOUT","channels":{"sms":{"allow_marketing":false,"allow_transactional":false}},"properties":{"plan":"gold"}}
	// dead letter: invalid_currency - invalid_currency: properties.currency: "XYZ" is not a current ISO 4217 currency code
	// skipped: unsupported_type
}
