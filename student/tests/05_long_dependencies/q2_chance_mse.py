OK_FORMAT = True

test = {   'name': 'q2_chance_mse',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(chance_mse_uniform, 'adding_problem_chance_mse', 'adding_problem_recent_only_mse')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> for _a, _b, _want in [(0, 1, 1 / 6), (-1, 1, 2 / 3), (2, 5, 1.5)]:\n'
                                               '...     _got = chance_mse_uniform(_a, _b)\n'
                                               "...     assert abs(_got - _want) < 1e-12, f'chance_mse_uniform({_a}, {_b}): expected {_want:.6g}, got {_got}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
