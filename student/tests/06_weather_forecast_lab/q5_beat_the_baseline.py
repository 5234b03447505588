OK_FORMAT = True

test = {   'name': 'q5_beat_the_baseline',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> assert set(my_result) >= {'description', 'val_mae', 'test_mae', 'params'} and len(my_result['description']) > 10\n"
                                               ">>> assert 0 < my_result['val_mae'] < 3 * persistence_val and 0 < my_result['test_mae'] < 3 * persistence_test\n"
                                               ">>> print('beats persistence on validation:', my_result['val_mae'] < persistence_val)\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
