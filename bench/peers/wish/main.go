// wish-peer: a typical wish + Bubble Tea + glamour portfolio, the peer sshfolio is measured
// against (bench/compare.sh). Written the way wish's own examples are: one tea.Program per
// SSH session through the bubbletea middleware, a bubbles list of posts, Enter renders the
// post with glamour into a bubbles viewport (j/k/PgDn/PgUp scroll, Esc back, q quits).
// It serves the same content/ (blog/*.md with YAML front matter) as sshfolio.
//
// Build offline from Debian's Go packages (see bench/peers/wish/build.sh).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/list"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	lm "github.com/charmbracelet/wish/logging"
	"github.com/gliderlabs/ssh"
	"gopkg.in/yaml.v3"
)

type post struct {
	Slug, Title, Description, Date, Body string
}



func loadPosts(dir string) ([]post, error) {
	files, err := filepath.Glob(filepath.Join(dir, "blog", "*.md"))
	if err != nil {
		return nil, err
	}
	var posts []post
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s := string(raw)
		p := post{Slug: strings.TrimSuffix(filepath.Base(f), ".md"), Body: s}
		if strings.HasPrefix(s, "---\n") {
			if end := strings.Index(s[4:], "\n---"); end >= 0 {
				var fm struct {
					Title       string `yaml:"title"`
					Description string `yaml:"description"`
					Date        string `yaml:"date"`
				}
				_ = yaml.Unmarshal([]byte(s[4:4+end]), &fm)
				p.Title, p.Description, p.Date = fm.Title, fm.Description, fm.Date
				p.Body = strings.TrimPrefix(s[4+end+4:], "\n")
			}
		}
		posts = append(posts, p)
	}
	sort.Slice(posts, func(i, j int) bool { return posts[i].Date > posts[j].Date })
	return posts, nil
}

type item struct{ p post }

func (i item) Title() string       { return i.p.Title }
func (i item) Description() string { return i.p.Date + "  " + i.p.Description }
func (i item) FilterValue() string { return i.p.Title }

type model struct {
	list     list.Model
	viewport viewport.Model
	reading  bool
	width    int
	height   int
}

var titleStyle = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("205")).Padding(0, 1)

func (m model) Init() tea.Cmd { return nil }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.list.SetSize(msg.Width, msg.Height)
		m.viewport.Width, m.viewport.Height = msg.Width, msg.Height-2
		return m, nil
	case tea.KeyMsg:
		switch msg.String() {
		case "ctrl+c", "q":
			return m, tea.Quit
		case "enter":
			if !m.reading {
				if it, ok := m.list.SelectedItem().(item); ok {
					r, err := glamour.NewTermRenderer(glamour.WithStandardStyle("dark"), glamour.WithWordWrap(m.width-4))
					if err == nil {
						out, err := r.Render(it.p.Body)
						if err != nil {
							out = it.p.Body
						}
						m.viewport.SetContent(out)
						m.viewport.GotoTop()
						m.reading = true
					}
				}
				return m, nil
			}
		case "esc", "backspace":
			if m.reading {
				m.reading = false
				return m, nil
			}
		}
	}
	var cmd tea.Cmd
	if m.reading {
		m.viewport, cmd = m.viewport.Update(msg)
	} else {
		m.list, cmd = m.list.Update(msg)
	}
	return m, cmd
}

func (m model) View() string {
	if m.reading {
		return titleStyle.Render(m.list.SelectedItem().(item).p.Title) + "\n" + m.viewport.View() +
			fmt.Sprintf("\n %3.f%%  j/k scroll · esc back · q quit", m.viewport.ScrollPercent()*100)
	}
	return m.list.View()
}

func main() {
	addr := flag.String("listen", "127.0.0.1:2300", "address to listen on")
	content := flag.String("content", "content", "content directory (blog/*.md)")
	hostKey := flag.String("hostkey", ".wish-peer-hostkey", "host key path (generated if missing)")
	flag.Parse()
	posts, err := loadPosts(*content)
	if err != nil {
		log.Fatalln(err)
	}
	s, err := wish.NewServer(
		wish.WithAddress(*addr),
		wish.WithHostKeyPath(*hostKey),
		wish.WithMiddleware(
			bm.Middleware(func(s ssh.Session) (tea.Model, []tea.ProgramOption) {
				pty, _, active := s.Pty()
				if !active {
					fmt.Fprintln(s, "no active terminal, skipping")
					return nil, nil
				}
				items := make([]list.Item, len(posts))
				for i, p := range posts {
					items[i] = item{p}
				}
				l := list.New(items, list.NewDefaultDelegate(), pty.Window.Width, pty.Window.Height)
				l.Title = "Blog"
				m := model{list: l, viewport: viewport.New(pty.Window.Width, pty.Window.Height-2),
					width: pty.Window.Width, height: pty.Window.Height}
				return m, []tea.ProgramOption{tea.WithAltScreen()}
			}),
			lm.Middleware(),
		),
	)
	if err != nil {
		log.Fatalln(err)
	}
	log.Printf("listening on %s", *addr)
	if err := s.ListenAndServe(); err != nil {
		log.Fatalln(err)
	}
}
