"""Sphinx configuration of the documentation website (built by `make site`, i.e. tools/build_site.py,
which stages the notebooks and the generated API pages next to a copy of this file)."""
from configparser import ConfigParser
from pathlib import Path

_cfg = ConfigParser(delimiters=['='])
_here = Path(__file__).resolve().parent          # site/, or the build's staging folder inside the repository
_cfg.read(next(d/'settings.ini' for d in (_here, *_here.parents) if (d/'settings.ini').exists()), encoding='utf-8')
_s = _cfg['DEFAULT']

project = _s.get('title', _s.get('lib_name', 'videoclf'))
author = _s.get('author', '')
copyright = _s.get('copyright', '')
release = version = _s.get('version', '')

extensions = ['myst_nb']
source_suffix = {'.md': 'myst-nb', '.ipynb': 'myst-nb'}
exclude_patterns = ['_build', '**.ipynb_checkpoints', 'conf.py']
templates_path = ['_templates']

# the notebooks are rendered as saved: `make docs` executes them, the site never does
nb_execution_mode = 'off'
nb_merge_streams = True
nb_output_stderr = 'show'          # kept, shown muted (warnings and progress bars are part of what ran)
myst_enable_extensions = ['colon_fence', 'deflist', 'fieldlist', 'html_image', 'dollarmath']
myst_heading_anchors = 3
suppress_warnings = ['myst.header', 'mystnb.unknown_mime_type']
python_maximum_signature_line_length = 88
add_module_names = False
highlight_language = 'none'        # a fenced block without a language (a folder tree, a table) stays plain
toc_object_entries_show_parents = 'hide'

html_theme = 'pydata_sphinx_theme'
html_title = project
html_static_path = ['_static']
html_css_files = ['videoclf.css']
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    'navbar_align': 'left',
    'header_links_before_dropdown': 8,
    'show_toc_level': 2,
    'navigation_depth': 2,
    'show_nav_level': 1,
    'secondary_sidebar_items': ['page-toc'],
    'footer_start': ['copyright'],
    'footer_end': ['theme-version'],
    'icon_links': [{'name': 'GitHub', 'url': _s.get('git_url', ''), 'icon': 'fa-brands fa-github'}] if _s.get('git_url') else [],
    'search_bar_text': 'Search the docs …',
}
html_sidebars = {'index': [], 'benchmarks': [], 'contributing': [], 'tutorials/*': []}   # pages without a section: no left column
nb_code_prompt_show = 'Show the source'
nb_code_prompt_hide = 'Hide the source'
