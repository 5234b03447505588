"""Writing the course: run by authors, and by ``make test``.

- ``python -m tools.authoring.sync`` (``make sync``): stamp the slug, badges and set-up cell into every notebook;
- ``python -m tools.authoring.nbcheck``: the notebook contract (skeleton, metadata, images, alt text, cell size);
- ``python -m tools.authoring.student`` (``make student``): student versions and otter autograder archives;
- ``python -m tools.authoring.execute``: run notebooks with lecture or CI parameters;
- ``python -m tools.authoring.figures`` (``make figures``): redraw the diagrams of :mod:`tools.authoring.diagrams`
  into ``img/``; ``templates/`` holds the set-up cell's source.
"""
