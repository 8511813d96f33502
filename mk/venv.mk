# Python venvs of the make targets: one bootstrap, used by every fragment that keeps a venv under
# $(STATE_DIR). Recursive (`=`) on purpose: it is expanded when a recipe runs, so the paths of
# fragments included after this one are defined by then.
#
#   $(call venv_install,DIR,IMPORTS,PINS)                  pip install PINS (name==version ...)
#   $(call venv_install,DIR,IMPORTS,,REQUIREMENTS_FILE)    pip install -r the file; a copy of it
#                                                           in DIR/requirements.txt is the stamp
#
# IMPORTS are module names separated by spaces. The venv is (re)made from scratch when one of them
# does not import, or, with a requirements file, when the file differs from the stamp. Use it as
# a recipe line: `@$(call venv_install,...)`.
venv_comma := ,
venv_space := $(subst ,, )
venv_install = if ! $(1)/bin/python -c "import $(subst $(venv_space),$(venv_comma)$(venv_space),$(strip $(2)))" 2>/dev/null$(if $(4), \
    || ! cmp -s $(4) $(1)/requirements.txt); then \
  rm -rf $(1) && python3 -m venv $(1) && \
  $(1)/bin/pip install -q --disable-pip-version-check $(if $(4),-r $(4),$(3))$(if $(4), && \
  cp $(4) $(1)/requirements.txt); fi
