OK_FORMAT = True

test = {   'name': 'q5_beat_the_baseline',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> _keys = {'dataset', 'description', 'val_mae', 'test_mae', 'params', 'persistence_val_mae', 'persistence_test_mae'}\n"
                                               ">>> assert isinstance(my_result, dict) and _keys <= set(my_result), f'my_result needs the keys {sorted(_keys)}'\n"
                                               ">>> assert my_result['dataset'] in ('jena', 'beijing') and len(str(my_result['description'])) >= 20\n"
                                               ">>> _maes = [float(my_result[k]) for k in ('val_mae', 'test_mae', 'persistence_val_mae', 'persistence_test_mae')]\n"
                                               ">>> assert all((0 < m < 10 for m in _maes)), 'type the MAEs in °C, as the table shows them'\n"
                                               ">>> if 'table' in globals() and DATASET == my_result['dataset'] and (DATA_FRACTION == 1):\n"
                                               "...     _persistence = table.set_index('model').loc['persistence']\n"
                                               "...     assert abs(_persistence['val_mae'] - my_result['persistence_val_mae']) < 0.01, 'copy persistence from the table'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
