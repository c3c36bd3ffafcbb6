package mapper

func (m *Mapper) contact(ev *event, a *Account) (Record, *Error) { return Record{}, nil }
func (m *Mapper) order(ev *event, a *Account, status string) (Record, *Error) { return Record{}, nil }
func (m *Mapper) customEvent(ev *event, a *Account, name, lower []byte) (Record, *Error) { return Record{}, nil }
