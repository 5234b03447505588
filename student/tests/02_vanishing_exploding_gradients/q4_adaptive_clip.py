OK_FORMAT = True

test = {   'name': 'q4_adaptive_clip',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(adaptive_clip, 'clip_by_norm', 'clip_by_global_norm')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _got = adaptive_clip([np.array([3.0, 4.0]), np.array([0.1, 0.0])], [np.array([2.0, 0.0]), np.array([0.0, 0.5])], 0.5)\n'
                                               ">>> assert len(_got) == 2, f'expected one gradient per weight (2), got {len(_got)}'\n"
                                               ">>> assert np.allclose(_got[0], [0.6, 0.8]), f'first gradient (norm 5 > 0.5 · ‖w‖ = 1): expected it scaled to norm 1, [0.6, 0.8], got {_got[0]}'\n"
                                               ">>> assert np.allclose(_got[1], [0.1, 0.0]), f'second gradient (norm 0.1 ≤ 0.5 · ‖w‖ = 0.25): expected it unchanged, [0.1, 0], got {_got[1]}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
