package history

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
)

func sampleRun() Run {
	started := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return Run{
		Meta: Meta{
			Scenario: "outage/steady", Seed: 42, Started: started, Mode: "embedded",
			Target: "shop", Traffic: "steady", Faults: []string{"provider-away"},
			FaultStart: 2 * time.Second, FaultEnd: 5 * time.Second, SettleEnd: 9 * time.Second,
			FailFastBudget: 2 * time.Second,
		},
		Ops: []Op{
			{ID: 1, Client: 0, Kind: Pay, Order: "ord_1", Customer: "cus_1", Key: "k1", Amount: 1999,
				Currency: "usd", PaymentMethod: "pm_card_visa", Call: time.Second, Return: time.Second + 40*time.Millisecond,
				Outcome: OK, Status: StatusPaid, HTTPStatus: 201, Phase: Before,
				Body: `{"id":"ord_1","status":"paid","note":"<b>&amp;</b>"}`},
			{ID: 2, Client: 1, Kind: Pay, Order: "ord_2", Amount: 500, Currency: "eur",
				Call: 3 * time.Second, Return: 3*time.Second + 5*time.Millisecond, Outcome: Unknown,
				Status: StatusPending, HTTPStatus: 503, Code: "provider_unavailable", Error: "provider down\nretry later", Phase: During},
			{ID: 3, Kind: Attack, Order: "ord_1", Name: "negative-amount", Expect: Expect{Status: []StatusClass{Class4xx}, Effect: NoChange},
				Call: 6 * time.Second, Return: 6 * time.Second, Outcome: Fail, HTTPStatus: 400,
				Before: StatusPaid, After: StatusPaid, Phase: After},
		},
		Orders: []Order{
			{ID: "ord_1", Customer: "cus_1", Status: StatusPaid, Amount: 1999, Currency: "usd"},
			{ID: "ord_2", Status: StatusFailed, Amount: 500, Currency: "eur", Refunded: 0},
		},
		Ledger: fakeprovider.Snapshot{
			Taken: started.Add(10 * time.Second),
			PaymentIntents: []fakeprovider.PaymentRecord{{
				ID: "pi_1", Amount: 1999, Currency: "usd", Status: "succeeded", CaptureMethod: "automatic",
				AmountReceived: 1999, LatestCharge: "ch_1", Metadata: map[string]string{"order_id": "ord_1"},
				IdempotencyKey: "ord_1", Created: started.Add(time.Second),
			}},
			Charges: []fakeprovider.ChargeRecord{{
				ID: "ch_1", PaymentIntent: "pi_1", Amount: 1999, AmountCaptured: 1999, Currency: "usd",
				Status: "succeeded", Captured: true, Created: started.Add(time.Second),
			}},
			Requests: map[string]int64{"POST /v1/payment_intents": 2},
		},
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	want := sampleRun()
	if err := Save(dir, want); err != nil {
		t.Fatalf("save: %v", err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip changed the run:\n got %+v\nwant %+v", got, want)
	}
	// Nothing but the three files is left behind.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{OpsFile, LedgerFile, OrdersFile}; !reflect.DeepEqual(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	// The history is one header line then one line per op.
	b, err := os.ReadFile(filepath.Join(dir, OpsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 1+len(want.Ops) {
		t.Fatalf("history.jsonl has %d lines, want %d", len(lines), 1+len(want.Ops))
	}
	if !strings.HasPrefix(lines[0], `{"format":"`+Format+`"`) {
		t.Fatalf("header line %q", lines[0])
	}
}

func TestSaveLoadEmptyRun(t *testing.T) {
	dir := t.TempDir()
	if err := Save(dir, Run{Meta: Meta{Scenario: "noop"}}); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta.Scenario != "noop" || len(got.Ops) != 0 || len(got.Orders) != 0 {
		t.Fatalf("got %+v", got)
	}
}

func TestSaveRefusesInvalidRunAndWritesNothing(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Run)
		want string
	}{
		{"duplicate op id", func(r *Run) { r.Ops[1].ID = 1 }, "duplicate id 1"},
		{"bad outcome", func(r *Run) { r.Ops[0].Outcome = "maybe" }, `outcome "maybe"`},
		{"return before call", func(r *Run) { r.Ops[0].Return = 0 }, "before call"},
		{"order without id", func(r *Run) { r.Orders[0].ID = "" }, "id is empty"},
		{"duplicate order", func(r *Run) { r.Orders[1].ID = "ord_1" }, `duplicate id "ord_1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			run := sampleRun()
			tt.edit(&run)
			err := Save(dir, run)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatalf("invalid run created %s (stat err %v)", dir, err)
			}
		})
	}
	if err := Save("", sampleRun()); err == nil {
		t.Fatal("save to an empty directory name succeeded")
	}
}

// TestLoadBadInput checks that each kind of damage is refused with the file
// and the line named.
func TestLoadBadInput(t *testing.T) {
	const hdr = `{"format":"paychaos-history/1","meta":{"scenario":"s","seed":1,"started":"2026-03-01T12:00:00Z","fault_start":0,"fault_end":0,"settle_end":0}}`
	const op1 = `{"id":1,"client":0,"kind":"pay","call":1,"return":2,"outcome":"ok"}`
	tests := []struct {
		name    string
		history string
		orders  string
		ledger  string
		want    []string // substrings the error must contain
	}{
		{"empty history", "", "", "", []string{OpsFile, "no header"}},
		{"op before header", op1 + "\n", "", "", []string{OpsFile, "line 1", "unknown field"}},
		{"wrong format", `{"format":"other/9","meta":{}}` + "\n", "", "", []string{"line 1", `format "other/9"`}},
		{"bad json", hdr + "\n" + op1 + "\n{\"id\":2,\n", "", "", []string{OpsFile, "line 3", "decode op"}},
		{"unknown field", hdr + "\n" + `{"id":1,"kind":"pay","call":1,"return":2,"outcom":"ok"}` + "\n", "", "", []string{"line 2", `unknown field "outcom"`}},
		{"bad kind", hdr + "\n" + `{"id":1,"kind":"payy","call":1,"return":2,"outcome":"ok"}`, "", "", []string{"line 2", `kind "payy"`}},
		{"missing outcome", hdr + "\n\n" + `{"id":7,"kind":"get","call":1,"return":2}`, "", "", []string{"line 3", "op 7", `outcome ""`}},
		{"duplicate id", hdr + "\n" + op1 + "\n" + op1 + "\n", "", "", []string{"line 3", "already used on line 2"}},
		{"trailing data", hdr + "\n" + op1 + ` {"x":1}` + "\n", "", "", []string{"line 2", "trailing data"}},
		{"orders syntax", hdr + "\n", "[\n  {\"id\":\"o\",\n  \"status\": paid}\n]", "{}", []string{OrdersFile, "line 3 column"}},
		{"orders type", hdr + "\n", `[{"id":"o","status":"paid","amount":"12"}]`, "{}", []string{OrdersFile, "line 1 column", "amount"}},
		{"orders status", hdr + "\n", `[{"id":"o","status":"payed","amount":12,"currency":"usd"}]`, "{}", []string{OrdersFile, `status "payed"`}},
		{"ledger missing", hdr + "\n", `[]`, "", []string{LedgerFile}},
		{"ledger unknown field", hdr + "\n", `[]`, "{\n\"charges\": [],\n\"chargez\": []}", []string{LedgerFile, `unknown field "chargez"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, s string) {
				if s == "" && name != OpsFile {
					return // leave the file out
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write(OpsFile, tt.history)
			orders, ledger := tt.orders, tt.ledger
			if orders == "" && ledger == "" {
				orders, ledger = "[]", "{}"
			}
			write(OrdersFile, orders)
			write(LedgerFile, ledger)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestLoadMissingDirectory(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope"))
	if err == nil || !strings.Contains(err.Error(), OpsFile) {
		t.Fatalf("err = %v", err)
	}
}
