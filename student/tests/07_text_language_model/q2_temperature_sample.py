OK_FORMAT = True

test = {   'name': 'q2_temperature_sample',
    'points': 2,
    'suites': [   {   'cases': [   {'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(sample_next, 'sample_with_temperature')\n", 'hidden': False, 'locked': False},
                                   {   'code': '>>> _got = sample_next([0.0, 5.0, 1.0], 0, seed=0)\n'
                                               '>>> assert _got == 1, f"temperature 0 on logits [0, 5, 1]: expected the largest logit\'s id 1, got {_got}"\n'
                                               '>>> try:\n'
                                               '...     _got = sample_next([1000.0, 999.0, 0.0], 1.0, seed=0)\n'
                                               '... except ValueError as _error:\n'
                                               "...     _got = f'ValueError: {_error}'\n"
                                               ">>> assert _got in (0, 1), f'logits [1000, 999, 0]: expected id 0 or 1 (p about 0.73, 0.27, 0), got {_got}; subtract the largest logit before np.exp'\n"
                                               '>>> _ids = {sample_next([2.0, 1.0, 0.5, 3.0], 1.0, _s, top_k=2) for _s in range(200)}\n'
                                               ">>> assert _ids == {0, 3}, f'top_k=2 on logits [2, 1, 0.5, 3]: expected draws of ids 0 and 3 only (the two largest), got {sorted(_ids)}'\n"
                                               '>>> _ids = {sample_next([0.0, 1.0, 2.0], 0.05, _s, top_k=3) for _s in range(50)}\n'
                                               ">>> assert _ids == {2}, f'temperature 0.05 on logits [0, 1, 2]: expected id 2 every time (logits / 0.05 = [0, 20, 40]), got {sorted(_ids)}'\n"
                                               '>>> _share = np.mean([sample_next([0.0, 1.0, 2.0], 5.0, _s) == 0 for _s in range(1000)])\n'
                                               ">>> assert 0.2 < _share < 0.34, f'temperature 5 on logits [0, 1, 2]: expected id 0 in about 27 % of draws (softmax([0, 0.2, 0.4])), got "
                                               "{_share:.1%}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
